package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/noren-web/noren/internal/ratelimit"
)

type clientAddrKey struct{}

// ClientAddrs returns middleware that resolves the address of the client
// behind each request and stores it in the request context, where
// ClientAddr finds it. Forwarding headers are believed only when the direct
// peer is inside one of the trusted prefixes; see ResolveClientAddr.
func ClientAddrs(trusted []netip.Prefix) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addr := ResolveClientAddr(r.RemoteAddr, r.Header, trusted)
			ctx := context.WithValue(r.Context(), clientAddrKey{}, addr)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// ClientAddr returns the client address resolved for r by the ClientAddrs
// middleware. Without the middleware it falls back to the direct peer. The
// result is the zero Addr when no address can be told.
func ClientAddr(r *http.Request) netip.Addr {
	if addr, ok := ClientAddrFromContext(r.Context()); ok {
		return addr
	}
	return peerAddr(r.RemoteAddr)
}

// ClientAddrFromContext returns the client address the ClientAddrs
// middleware stored in ctx.
func ClientAddrFromContext(ctx context.Context) (netip.Addr, bool) {
	addr, ok := ctx.Value(clientAddrKey{}).(netip.Addr)
	return addr, ok
}

// ResolveClientAddr tells the client's address from the direct peer
// (remoteAddr, as in http.Request.RemoteAddr) and the forwarding headers.
//
// X-Forwarded-For is read only when the peer is a trusted proxy. It is walked
// from right to left, since each proxy appends the address it saw: the
// entries nearest the end were written by proxies we trust, and everything
// left of the first untrusted address was written by the client itself and
// may be forged. The walk stops at the first address outside the trusted
// prefixes, which is the client. A malformed entry also stops it, leaving the
// last address known for certain. X-Real-IP is read, under the same rule,
// only when no X-Forwarded-For is present.
func ResolveClientAddr(remoteAddr string, h http.Header, trusted []netip.Prefix) netip.Addr {
	addr := peerAddr(remoteAddr)
	if !addr.IsValid() || !isTrusted(addr, trusted) {
		return addr
	}
	chain := h.Values("X-Forwarded-For")
	if len(chain) == 0 {
		if real, ok := parseHop(h.Get("X-Real-IP")); ok {
			return real
		}
		return addr
	}
	list := strings.Join(chain, ",")
	for list != "" && isTrusted(addr, trusted) {
		var hop string
		if i := strings.LastIndexByte(list, ','); i >= 0 {
			list, hop = list[:i], list[i+1:]
		} else {
			list, hop = "", list
		}
		next, ok := parseHop(hop)
		if !ok {
			return addr
		}
		addr = next
	}
	return addr
}

// parseHop reads one X-Forwarded-For entry: an IPv4 or IPv6 address,
// optionally with a port (IPv6 then in brackets), as proxies write them.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, false
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr()), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return normalize(addr), true
}

// peerAddr reads the IP of a "host:port" remote address.
func peerAddr(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return normalize(ap.Addr())
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return normalize(addr)
}

// normalize drops zones and unmaps IPv4-mapped IPv6 addresses, so that one
// client always has one spelling and prefixes match it.
func normalize(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// MaskAddr returns the network an address belongs to, coarse enough not to
// identify a person: the /24 for IPv4 ("203.0.113.0/24") and the /48 for
// IPv6 ("2001:db8:1::/48"), the networks rate limits count (see
// ratelimit.Network). It returns "unknown" for the zero Addr.
func MaskAddr(a netip.Addr) string {
	p := ratelimit.Network(a)
	if !p.IsValid() {
		return "unknown"
	}
	return p.String()
}

// AllowOnly serves h only to clients whose address (as resolved by the
// ClientAddrs middleware) is inside one of the prefixes, and answers 403 to
// everyone else. It guards endpoints such as /metrics.
func AllowOnly(prefixes []netip.Prefix, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isTrusted(ClientAddr(r), prefixes) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
