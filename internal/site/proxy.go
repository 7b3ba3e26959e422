package site

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// NewProxy returns a handler that serves the site by proxying every request
// to the upstream origin (scheme and host, optionally a base path), with
// opt.Injection put into its HTML pages.
//
// Bodies stream: each chunk from the upstream is flushed to the client as
// it arrives, so event streams and slow pages work; HTML is rewritten on the
// way without being held in full. X-Forwarded-For, -Host and -Proto describe
// the client's request, replacing any the client sent. The upstream may
// answer HTML in gzip or brotli; Noren decodes it to inject and compresses
// the result for the client. When the upstream cannot be reached the client
// gets Noren's bilingual error page: 504 when it timed out, 502 otherwise.
func NewProxy(upstream *url.URL, opt Options) (http.Handler, error) {
	if upstream == nil || upstream.Scheme != "http" && upstream.Scheme != "https" || upstream.Host == "" {
		return nil, fmt.Errorf("site: upstream %v is not an http or https URL", upstream)
	}
	opt, err := opt.check()
	if err != nil {
		return nil, err
	}
	pages, err := newErrorPages(opt.Languages, opt.DefaultLanguage, func(string) string { return "/" })
	if err != nil {
		return nil, err
	}
	target := *upstream
	logger := opt.Logger
	p := opt.Proxy
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&target)
			pr.SetXForwarded()
			if p.PreserveHost {
				pr.Out.Host = pr.In.Host
			}
			// Ask only for codings Noren can decode, so HTML can be
			// rewritten; other bodies pass through still compressed.
			pr.Out.Header.Set("Accept-Encoding", upstreamAcceptEncoding(pr.In.Header.Get("Accept-Encoding")))
		},
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: p.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   p.TLSHandshakeTimeout,
			ResponseHeaderTimeout: p.ResponseHeaderTimeout,
			IdleConnTimeout:       p.IdleConnTimeout,
			ExpectContinueTimeout: time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   32,
			ForceAttemptHTTP2:     true,
		},
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			status := http.StatusBadGateway
			if isTimeout(err) {
				status = http.StatusGatewayTimeout
			}
			// Transport errors can quote the request URL; the cause is
			// what the operator needs.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			if r.Context().Err() != nil {
				logger.Debug("site: client left before the upstream answered", "upstream", target.Host, "error", err)
			} else {
				logger.Warn("site: upstream request failed", "upstream", target.Host, "status", status, "error", err)
			}
			pages.serve(w, r, status)
		},
	}
	in := &Injector{opt: opt}
	return Compress(in.Wrap(rp)), nil
}

// upstreamAcceptEncoding reduces a client's Accept-Encoding to the codings
// Noren can decode, or identity.
func upstreamAcceptEncoding(client string) string {
	first, second := acceptedEncodings(client)
	switch {
	case first == "":
		return "identity"
	case second == "":
		return first
	default:
		return first + ", " + second
	}
}

// isTimeout reports whether a proxy error is the upstream being too slow.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
