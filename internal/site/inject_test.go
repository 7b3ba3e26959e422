package site

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/noren-web/noren/internal/entitytag"
	"golang.org/x/net/html"
)

const testPage = `<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><p>Hello</p></body></html>`

// wrapServer serves h through an Injector with testOptions, Compress
// around it and the CSP middleware outside, as Noren stacks them.
func wrapServer(t *testing.T, h http.Handler, opt Options) *httptest.Server {
	t.Helper()
	in, err := NewInjector(opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withCSP(Compress(in.Wrap(h))))
	t.Cleanup(srv.Close)
	return srv
}

func TestInjectResponses(t *testing.T) {
	mux := http.NewServeMux()
	page := func(code int, ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if ct != "" {
				h.Set("Content-Type", ct)
			}
			h.Set("Content-Length", fmt.Sprint(len(testPage)))
			h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			h.Set("Accept-Ranges", "bytes")
			h.Set("ETag", `"v1"`)
			w.WriteHeader(code)
			io.WriteString(w, testPage)
		}
	}
	mux.Handle("/page", page(200, "text/html; charset=utf-8"))
	mux.Handle("/no-charset", page(200, "text/html"))
	mux.Handle("/error", page(500, "text/html; charset=utf-8"))
	mux.Handle("/sjis", page(200, "text/html; charset=Shift_JIS"))
	mux.Handle("/utf16", page(200, "text/html; charset=utf-16"))
	mux.Handle("/json", page(200, "application/json"))
	mux.Handle("/untyped", page(200, ""))
	mux.Handle("/created", page(201, "text/html; charset=utf-8"))
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/page", http.StatusFound)
	})
	srv := wrapServer(t, mux, testOptions())

	tests := []struct {
		path     string
		status   int
		injected bool
	}{
		{"/page", 200, true},
		{"/no-charset", 200, true},
		{"/error", 500, true},
		{"/sjis", 200, true},
		{"/utf16", 200, false},
		{"/json", 200, false},
		{"/untyped", 200, false},
		{"/created", 201, false},
		{"/redirect", 302, false},
	}
	for _, tt := range tests {
		resp, body := fetch(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		injected := strings.Contains(body, `<meta name="noren-head" content="en" data-nonce="`+testNonce+`"></head>`) &&
			strings.Contains(body, `<footer id="noren-footer" lang="en"></footer></body>`)
		if injected != tt.injected {
			t.Errorf("%s: injected %v, want %v:\n%s", tt.path, injected, tt.injected, body)
		}
		if !tt.injected {
			continue
		}
		h := resp.Header
		if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
			t.Errorf("%s: Content-Length %d for %d bytes", tt.path, resp.ContentLength, len(body))
		}
		for _, k := range []string{"Last-Modified", "Accept-Ranges"} {
			if h.Get(k) != "" {
				t.Errorf("%s: injected page keeps %s %q", tt.path, k, h.Get(k))
			}
		}
		if h.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("%s: Cache-Control %q", tt.path, h.Get("Cache-Control"))
		}
		wantETag := `W/"v1` + etagSuffix + injectionFingerprint("") + `"`
		if tt.status != 200 {
			wantETag = ""
		}
		if got := h.Get("ETag"); got != wantETag {
			t.Errorf("%s: ETag %q, want %q", tt.path, got, wantETag)
		}
	}

	resp, body := fetch(t, srv, http.MethodHead, "/page")
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("HEAD: status %d, body %q, headers %v", resp.StatusCode, body, resp.Header)
	}
}

func TestInjectNotModified(t *testing.T) {
	var sawINM atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawINM.Store(r.Header.Get("If-None-Match"))
		w.Header().Set("ETag", `"rev-7"`)
		if entitytag.WeakMatch(r.Header.Get("If-None-Match"), `"rev-7"`) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testPage)
	})
	version := "a"
	opt := testOptions()
	opt.Injection.Fingerprint = func(*http.Request) string { return version }
	srv := wrapServer(t, h, opt)

	resp, _ := fetch(t, srv, http.MethodGet, "/")
	etag := resp.Header.Get("ETag")
	resp, body := fetch(t, srv, http.MethodGet, "/", "If-None-Match: "+etag, "Sec-Fetch-Dest: document")
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("status %d, want 304", resp.StatusCode)
	}
	if got := sawINM.Load(); got != `"rev-7"` {
		t.Errorf("wrapped handler saw If-None-Match %q, want its own tag", got)
	}
	if resp.Header.Get("ETag") != etag {
		t.Errorf("304 ETag %q, want %q", resp.Header.Get("ETag"), etag)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != "" {
		t.Errorf("304 carries Content-Security-Policy %q", csp)
	}

	version = "b"
	resp, _ = fetch(t, srv, http.MethodGet, "/", "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d after the injection changed, want 200", resp.StatusCode)
	}
	if got := sawINM.Load(); got != "" {
		t.Errorf("wrapped handler saw stale If-None-Match %q", got)
	}

	// A 304 for an asset keeps its policy: it is not an injected page.
	resp, _ = fetch(t, srv, http.MethodGet, "/", `If-None-Match: "rev-7"`)
	if resp.StatusCode != http.StatusNotModified || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("asset-style 304: status %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}

func TestInjectDecodesCompressedHTML(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, testPage)
	zw.Close()
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(gz.Len()))
		w.Write(gz.Bytes())
	}), testOptions())
	for _, accept := range []string{"", "gzip", "br"} {
		resp, body := fetch(t, srv, http.MethodGet, "/en/", "Accept-Encoding: "+accept)
		if !strings.Contains(body, `<footer id="noren-footer" lang="en"></footer></body>`) {
			t.Errorf("Accept-Encoding %q: not injected: %q", accept, body)
		}
		if got := resp.Header.Get("Content-Encoding"); accept == "" && got != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", accept, got)
		}
	}
}

func TestInjectStreams(t *testing.T) {
	for _, accept := range []string{"", "br"} {
		t.Run("Accept-Encoding "+accept, func(t *testing.T) {
			h, next := chunkHandler(t, "text/html; charset=utf-8")
			srv := wrapServer(t, h, testOptions())
			_, body := testChunksArrive(t, srv, next, "Accept-Encoding: "+accept)
			if !strings.Contains(body, `data-nonce="`+testNonce+`"></head>`) || !strings.HasSuffix(body, "</footer></body></html>") {
				t.Errorf("stream not injected: %q", body)
			}
		})
	}
}

// TestInjectLateHeaders checks that a handler changing headers after its
// body, as for trailers, does not touch the response the rewrite is
// writing (run with -race).
func TestInjectLateHeaders(t *testing.T) {
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Trailer", "X-Source-Digest")
		io.WriteString(w, testPage)
		for i := range 100 {
			w.Header().Set("X-Source-Digest", fmt.Sprint(i))
		}
		w.WriteHeader(http.StatusTeapot)
	}), testOptions())
	for range 20 {
		resp, body := fetch(t, srv, http.MethodGet, "/")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<footer id="noren-footer"`) {
			t.Fatalf("status %d, body %q", resp.StatusCode, body)
		}
		if v := resp.Trailer.Get("X-Source-Digest"); v != "" {
			t.Errorf("trailer of the source kept: %q", v)
		}
	}
}

func TestInjectPerResponseNonce(t *testing.T) {
	var n atomic.Int64
	opt := testOptions()
	opt.Nonce = func(*http.Request) string { return fmt.Sprint("nonce-", n.Add(1)) }
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testPage)
	}), opt)
	_, first := fetch(t, srv, http.MethodGet, "/")
	_, second := fetch(t, srv, http.MethodGet, "/")
	if !strings.Contains(first, `data-nonce="nonce-1"`) || !strings.Contains(second, `data-nonce="nonce-2"`) {
		t.Errorf("nonces not per response:\n%s\n%s", first, second)
	}
}

func TestInjectStartTags(t *testing.T) {
	opt := testOptions()
	opt.Injection.StartTags = []TagRewriter{{
		Tags: []string{"IFRAME"},
		Rewrite: func(p Page, tok *html.Token) (bool, string) {
			tok.Attr = append(tok.Attr, html.Attribute{Key: "data-page-lang", Val: p.Lang})
			return true, ""
		},
	}}
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<body><IFRAME src="https://video.example/embed"></IFRAME></body>`)
	}), opt)
	_, body := fetch(t, srv, http.MethodGet, "/ja/")
	if !strings.Contains(body, `<iframe src="https://video.example/embed" data-page-lang="ja"></IFRAME>`) {
		t.Errorf("start tag not rewritten: %s", body)
	}
}

// TestInjectStartTagsSeeTheNonce checks that tag rewriters get the
// response's nonce, to mark what they change, a fresh one per response.
func TestInjectStartTagsSeeTheNonce(t *testing.T) {
	var n atomic.Int64
	opt := testOptions()
	opt.Nonce = func(*http.Request) string { return fmt.Sprint("nonce-", n.Add(1)) }
	opt.Injection.StartTags = []TagRewriter{{
		Tags: []string{"img"},
		Rewrite: func(p Page, tok *html.Token) (bool, string) {
			tok.Attr = append(tok.Attr, html.Attribute{Key: "data-seen", Val: p.Nonce})
			return true, ""
		},
	}}
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<head></head><body><img src="/a.png"><img src="/b.png"></body>`)
	}), opt)
	_, first := fetch(t, srv, http.MethodGet, "/")
	_, second := fetch(t, srv, http.MethodGet, "/")
	if strings.Count(first, `data-seen="nonce-1"`) != 2 || strings.Count(second, `data-seen="nonce-2"`) != 2 {
		t.Errorf("tag rewriters did not see each response's nonce:\n%s\n%s", first, second)
	}
	if !strings.Contains(first, `data-nonce="nonce-1"`) {
		t.Errorf("the head and the tag rewriters saw different nonces:\n%s", first)
	}
}

func TestInjectAbortedHandler(t *testing.T) {
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><head></head><body><p>partial")
		panic(http.ErrAbortHandler)
	}), testOptions())
	client := rawClient()
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL + "/")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("an abandoned response arrived complete")
	}
}

func TestNewInjectorRejectsBadOptions(t *testing.T) {
	if _, err := NewInjector(Options{Languages: []string{"ja"}, DefaultLanguage: "en"}); err == nil {
		t.Error("no error for a default language outside the list")
	}
}
