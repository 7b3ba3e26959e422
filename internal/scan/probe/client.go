package probe

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"
)

// defaultClient is the crawl's client when none is given. It resolves
// names under .localhost to loopback, as browsers do (RFC 6761), so that
// a site the browser reaches there, such as the demo, is crawled too.
func defaultClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && isLocalhost(host) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: transport, Timeout: 20 * time.Second}
}

// isLocalhost reports whether host is localhost or a name under it.
func isLocalhost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
