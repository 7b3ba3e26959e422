package site

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/noren-web/noren/internal/entitytag"
)

// upstreamSite is an origin for the proxy tests.
func upstreamSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ja/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"up-1"`)
		if entitytag.WeakMatch(r.Header.Get("If-None-Match"), `"up-1"`) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(testPage)))
		io.WriteString(w, strings.Replace(testPage, `lang="en"`, `lang="ja"`, 1))
	})
	mux.HandleFunc("/gzip-page", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		io.WriteString(zw, testPage)
		zw.Close()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/br-page", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		bw := brotli.NewWriter(&buf)
		io.WriteString(bw, testPage)
		bw.Close()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "br")
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/trailer-page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, testPage)
		w.Header().Set("X-Checksum", "source-bytes")
	})
	mux.HandleFunc("/style.css", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		io.WriteString(zw, strings.Repeat("p { margin: 0 }\n", 200))
		zw.Close()
		w.Header().Set("Content-Type", "text/css")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Host: %s\n", r.Host)
		for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Accept-Encoding", "X-Hop", "Forwarded"} {
			fmt.Fprintf(w, "%s: %s\n", k, strings.Join(r.Header.Values(k), ","))
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func proxyServer(t *testing.T, upstream string, opt Options) *httptest.Server {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewProxy(u, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withCSP(h))
	t.Cleanup(srv.Close)
	return srv
}

func TestProxyInjects(t *testing.T) {
	up := upstreamSite(t)
	srv := proxyServer(t, up.URL, testOptions())
	for _, tt := range []struct{ path, lang string }{
		{"/trailer-page", "en"},
		{"/ja/page", "ja"},
		{"/gzip-page", "en"},
		{"/br-page", "en"},
	} {
		for _, accept := range []string{"", "gzip", "br"} {
			resp, body := fetch(t, srv, http.MethodGet, tt.path, "Accept-Encoding: "+accept)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", tt.path, resp.StatusCode)
			}
			wantHead := `<meta name="noren-head" content="` + tt.lang + `" data-nonce="` + testNonce + `"></head>`
			wantFoot := `<footer id="noren-footer" lang="` + tt.lang + `"></footer></body>`
			if !strings.Contains(body, wantHead) || !strings.Contains(body, wantFoot) {
				t.Errorf("%s (Accept-Encoding %q): not injected:\n%s", tt.path, accept, body)
			}
			if resp.ContentLength >= 0 && accept == "" && resp.ContentLength != int64(len(body)) {
				t.Errorf("%s: Content-Length %d for %d bytes", tt.path, resp.ContentLength, len(body))
			}
		}
	}
}

func TestProxyRevalidates(t *testing.T) {
	up := upstreamSite(t)
	srv := proxyServer(t, up.URL, testOptions())
	resp, _ := fetch(t, srv, http.MethodGet, "/ja/page")
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"up-1`+etagSuffix) {
		t.Fatalf("ETag %q does not derive from the upstream's", etag)
	}
	resp, body := fetch(t, srv, http.MethodGet, "/ja/page", "If-None-Match: "+etag, "Sec-Fetch-Dest: document")
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("status %d, want 304", resp.StatusCode)
	}
	if resp.Header.Get("Content-Security-Policy") != "" || resp.Header.Get("ETag") != etag {
		t.Errorf("304: CSP %q, ETag %q", resp.Header.Get("Content-Security-Policy"), resp.Header.Get("ETag"))
	}
	// A navigation with the upstream's own tag, cached before Noren,
	// gets the injected page.
	resp, _ = fetch(t, srv, http.MethodGet, "/ja/page", `If-None-Match: "up-1"`, "Sec-Fetch-Dest: document")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d for the upstream's own tag, want 200", resp.StatusCode)
	}
}

func TestProxyPassesCompressedAssets(t *testing.T) {
	up := upstreamSite(t)
	srv := proxyServer(t, up.URL, testOptions())
	resp, body := fetch(t, srv, http.MethodGet, "/style.css", "Accept-Encoding: gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || body != strings.Repeat("p { margin: 0 }\n", 200) {
		t.Errorf("Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
}

func TestProxyHeaders(t *testing.T) {
	up := upstreamSite(t)
	srv := proxyServer(t, up.URL, testOptions())
	upHost := strings.TrimPrefix(up.URL, "http://")
	proxyHost := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name    string
		headers []string
		want    []string
		absent  []string
	}{
		{
			"forwarded headers replace the client's",
			[]string{"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Host: evil.example", "Forwarded: for=203.0.113.9"},
			[]string{"Host: " + upHost, "X-Forwarded-For: 127.0.0.1\n", "X-Forwarded-Host: " + proxyHost, "X-Forwarded-Proto: http\n", "Forwarded: \n"},
			[]string{"203.0.113.9", "evil.example"},
		},
		{
			"codings Noren cannot decode are not asked for",
			[]string{"Accept-Encoding: gzip, deflate, br, zstd"},
			[]string{"Accept-Encoding: br, gzip\n"},
			nil,
		},
		{
			"identity when the client accepts nothing",
			nil,
			[]string{"Accept-Encoding: identity\n"},
			nil,
		},
		{
			"hop-by-hop headers are dropped",
			[]string{"Connection: X-Hop", "X-Hop: secret"},
			[]string{"X-Hop: \n"},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := fetch(t, srv, http.MethodGet, "/headers", tt.headers...)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("upstream saw no %q:\n%s", w, body)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("upstream saw %q:\n%s", a, body)
				}
			}
		})
	}

	opt := testOptions()
	opt.Proxy.PreserveHost = true
	srv = proxyServer(t, up.URL, opt)
	_, body := fetch(t, srv, http.MethodGet, "/headers")
	if !strings.Contains(body, "Host: "+strings.TrimPrefix(srv.URL, "http://")+"\n") {
		t.Errorf("PreserveHost: upstream saw\n%s", body)
	}
}

func TestProxyStreams(t *testing.T) {
	for _, tt := range []struct{ contentType, accept string }{
		{"text/event-stream", ""},
		{"text/event-stream", "gzip"},
		{"application/octet-stream", "br"},
		{"text/html; charset=utf-8", ""},
		{"text/html; charset=utf-8", "br"},
	} {
		t.Run(tt.contentType+" "+tt.accept, func(t *testing.T) {
			h, next := chunkHandler(t, tt.contentType)
			up := httptest.NewServer(h)
			defer up.Close()
			srv := proxyServer(t, up.URL, testOptions())
			_, body := testChunksArrive(t, srv, next, "Accept-Encoding: "+tt.accept)
			injected := strings.Contains(body, `<footer id="noren-footer"`)
			if injected != strings.HasPrefix(tt.contentType, "text/html") {
				t.Errorf("injected %v:\n%s", injected, body)
			}
		})
	}
}

// logBuffer collects log output from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProxyUpstreamDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	var logs logBuffer
	opt := testOptions()
	opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	srv := proxyServer(t, "http://"+addr, opt)
	resp, body := fetch(t, srv, http.MethodGet, "/en/private-path?token=client-secret")
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}
	checkUnavailablePage(t, resp, body, "en", "could not be reached")
	if got := logs.String(); !strings.Contains(got, "upstream request failed") || !strings.Contains(got, "connection refused") {
		t.Errorf("log lacks the cause:\n%s", got)
	}
	if got := logs.String(); strings.Contains(got, "client-secret") || strings.Contains(got, "private-path") {
		t.Errorf("log holds the client's request:\n%s", got)
	}
}

func TestProxyTimeout(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer up.Close()
	defer close(release)
	opt := testOptions()
	opt.Proxy.ResponseHeaderTimeout = 50 * time.Millisecond
	srv := proxyServer(t, up.URL, opt)
	resp, body := fetch(t, srv, http.MethodGet, "/ja/slow")
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504", resp.StatusCode)
	}
	checkUnavailablePage(t, resp, body, "ja", "did not answer in time")
}

// checkUnavailablePage checks Noren's 502/504 page: bilingual, in the
// path's language first, injected, never Go's default text.
func checkUnavailablePage(t *testing.T, resp *http.Response, body, lang, english string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(body, `<html lang="`+lang+`">`) {
		t.Errorf("page not in %s:\n%s", lang, body)
	}
	if !strings.Contains(body, english) || !strings.Contains(body, "ただいまページを表示できません") {
		t.Errorf("page lacks its texts:\n%s", body)
	}
	if !strings.Contains(body, `<footer id="noren-footer" lang="`+lang+`">`) {
		t.Errorf("page lacks the footer:\n%s", body)
	}
}

func TestNewProxyRejectsBadUpstream(t *testing.T) {
	for _, raw := range []string{"ftp://example.org", "/relative", "http://"} {
		u, _ := url.Parse(raw)
		if _, err := NewProxy(u, testOptions()); err == nil {
			t.Errorf("NewProxy(%q): no error", raw)
		}
	}
	if _, err := NewProxy(nil, testOptions()); err == nil {
		t.Error("NewProxy(nil): no error")
	}
}

// TestProxyKeepsNorenCredentials checks that the console's cookies and
// Noren API tokens never reach the upstream, that the consent cookie does,
// and that the upstream cannot set any cookie of Noren's, on pages and on
// other responses alike.
func TestProxyKeepsNorenCredentials(t *testing.T) {
	var mu sync.Mutex
	var seen http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		for _, c := range []string{
			"__Host-noren_session=planted; Path=/; Secure; HttpOnly",
			"__Host-noren_login=planted; Path=/; Secure",
			"__HOST-Noren_Session=planted; Path=/; Secure",
			"__Secure-noren_other=planted; Secure",
			"noren_consent=1.AAAAAAAAAAAAAAAAAAAAAA.1700000000.000000000000.000000000000.analytics:1.; Path=/",
			"NOREN_CONSENT=planted; Path=/en/",
			"upstream_session=kept; Path=/; HttpOnly",
			"theme=dark",
		} {
			w.Header().Add("Set-Cookie", c)
		}
		if r.URL.Path == "/page" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, testPage)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(up.Close)
	srv := proxyServer(t, up.URL, testOptions())

	tests := []struct {
		name    string
		headers []string
		cookie  string   // the Cookie header the upstream gets, "" for none
		auth    []string // its Authorization headers
	}{
		{
			"console cookies dropped, others kept as sent",
			[]string{"Cookie: __Host-noren_session=live-session; theme=dark; noren_consent=1.x; __Host-noren_login=token; odd=a=b"},
			"theme=dark; noren_consent=1.x; odd=a=b", nil,
		},
		{
			"in any case and in several headers",
			[]string{"Cookie: __host-NOREN_session=live", "Cookie: a=1;__Secure-noren_x=2 ; b=2", "Cookie: __Host-noren_session"},
			"a=1; b=2", nil,
		},
		{
			"no Cookie header when nothing is left",
			[]string{"Cookie: __Host-noren_session=live-session"},
			"", nil,
		},
		{
			"Noren API tokens dropped",
			[]string{"Authorization: Bearer noren_0123456789abcdef"},
			"", nil,
		},
		{
			"in any case of the scheme",
			[]string{"Authorization: bearer   noren_0123456789abcdef"},
			"", nil,
		},
		{
			"the upstream's own credentials kept",
			[]string{"Authorization: Bearer upstream-token"},
			"", []string{"Bearer upstream-token"},
		},
		{
			"basic authentication kept",
			[]string{"Authorization: Basic dXNlcjpwYXNz"},
			"", []string{"Basic dXNlcjpwYXNz"},
		},
	}
	for _, path := range []string{"/page", "/api/data"} {
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				resp, _ := fetch(t, srv, http.MethodGet, path, tt.headers...)
				mu.Lock()
				got := seen
				mu.Unlock()
				if c := strings.Join(got.Values("Cookie"), " | "); c != tt.cookie {
					t.Errorf("upstream got Cookie %q, want %q", c, tt.cookie)
				}
				if a := got.Values("Authorization"); !slices.Equal(a, tt.auth) {
					t.Errorf("upstream got Authorization %q, want %q", a, tt.auth)
				}
				want := []string{"upstream_session=kept; Path=/; HttpOnly", "theme=dark"}
				if sc := resp.Header.Values("Set-Cookie"); !slices.Equal(sc, want) {
					t.Errorf("the browser got Set-Cookie %q, want %q", sc, want)
				}
			})
		}
	}
}
