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
	"slices"
	"strings"
	"time"
)

// NewProxy returns a handler that serves the site by proxying every request
// to the upstream origin (scheme and host, optionally a base path), with
// opt.Injection put into its HTML pages.
//
// Bodies stream: each chunk from the upstream is flushed to the client as
// it arrives, so event streams and slow pages work; HTML is rewritten on the
// way without being held in full. X-Forwarded-For, -Host and -Proto describe
// the client's request, replacing any the client sent. Noren's own
// credentials stay between the browser and Noren: the console's cookies and
// Noren API tokens (Authorization: Bearer noren_…) are removed from requests,
// and Set-Cookie headers from the upstream naming any cookie of Noren's,
// the console's or noren_consent, are dropped. The upstream may
// answer HTML in gzip or brotli; Noren decodes it to inject and compresses
// the result for the client. When the upstream cannot be reached the client
// gets Noren's bilingual error page: 504 when it timed out, 502 otherwise,
// with links to the home pages the upstream is known to have. With
// Options.RedirectRoot, the site root redirects to the home page of the
// visitor's language when the upstream has it in a folder; otherwise, and
// without it, the root is passed on.
func NewProxy(upstream *url.URL, opt Options) (http.Handler, error) {
	if upstream == nil || upstream.Scheme != "http" && upstream.Scheme != "https" || upstream.Host == "" {
		return nil, fmt.Errorf("site: upstream %v is not an http or https URL", upstream)
	}
	opt, err := opt.check()
	if err != nil {
		return nil, err
	}
	homes := opt.Homes
	if homes == nil {
		origin, err := UpstreamOrigin(upstream, opt.Proxy)
		if err != nil {
			return nil, err
		}
		homes = NewHomes(origin, opt.Languages, opt.DefaultLanguage)
	}
	// An error page must not wait for an upstream that is failing.
	pages, err := newErrorPages(opt.Languages, opt.DefaultLanguage, homes.knownHome)
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
			dropPrivateCookies(pr.Out.Header)
			dropNorenTokens(pr.Out.Header)
		},
		ModifyResponse: func(resp *http.Response) error {
			dropNorenSetCookies(resp.Header)
			return nil
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
	var h http.Handler = in.Wrap(rp)
	if opt.RedirectRoot {
		h = rootHandler(homes, opt.Languages, opt.DefaultLanguage, true, h)
	}
	return Compress(h), nil
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

// Noren's own cookies. Those of the console (internal/admin), all named
// with this prefix, hold a live session or sign-in token: the upstream must
// never see them. noren_consent holds the visitor's choice, which the
// upstream's own code may honour, so it is passed on; but only Noren may set
// it, or an upstream could fake a visitor's consent.
const (
	consoleCookiePrefix = "__Host-noren_"
	consentCookie       = "noren_consent"
)

// dropPrivateCookies removes the console's cookies from the Cookie headers
// of a request to the upstream, leaving every other cookie as it was sent.
func dropPrivateCookies(h http.Header) {
	values := h.Values("Cookie")
	if len(values) == 0 {
		return
	}
	var kept []string
	for _, v := range values {
		for pair := range strings.SplitSeq(v, ";") {
			pair = strings.TrimSpace(pair)
			if pair != "" && !consoleCookie(cookieName(pair)) {
				kept = append(kept, pair)
			}
		}
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h.Set("Cookie", strings.Join(kept, "; "))
}

// dropNorenSetCookies removes from an upstream response every Set-Cookie
// that would set, replace or delete a cookie of Noren's.
func dropNorenSetCookies(h http.Header) {
	values := h.Values("Set-Cookie")
	kept := slices.DeleteFunc(slices.Clone(values), func(v string) bool {
		pair, _, _ := strings.Cut(v, ";")
		name := cookieName(pair)
		return consoleCookie(name) || strings.EqualFold(name, consentCookie)
	})
	if len(kept) == len(values) {
		return
	}
	h.Del("Set-Cookie")
	for _, v := range kept {
		h.Add("Set-Cookie", v)
	}
}

// cookieName returns the name in a "name=value" pair. A pair without "="
// is a value without a name to browsers, but servers reading the Cookie
// header take it for a name, so it counts as both.
func cookieName(pair string) string {
	name, _, _ := strings.Cut(pair, "=")
	return strings.TrimSpace(name)
}

// consoleCookie reports whether a cookie name is one of the console's, or
// one Noren might name alike with the __Secure- prefix. Browsers enforce
// these prefixes in any case, so case is ignored.
func consoleCookie(name string) bool {
	for _, prefix := range []string{consoleCookiePrefix, "__Secure-noren_"} {
		if len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// dropNorenTokens removes the Authorization headers of a request to the
// upstream that carry a Noren API token (a bearer token starting with
// "noren_", as internal/account makes them), leaving any other.
func dropNorenTokens(h http.Header) {
	values := h.Values("Authorization")
	kept := slices.DeleteFunc(slices.Clone(values), func(v string) bool {
		scheme, token, _ := strings.Cut(strings.TrimSpace(v), " ")
		return strings.EqualFold(scheme, "Bearer") && strings.HasPrefix(strings.TrimSpace(token), "noren_")
	})
	if len(kept) == len(values) {
		return
	}
	h.Del("Authorization")
	for _, v := range kept {
		h.Add("Authorization", v)
	}
}
