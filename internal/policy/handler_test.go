package policy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
)

// serve runs the pages of a Handler on a loopback server.
func serve(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	newHandler(t, opts).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func fixed(m *manifest.Manifest) func() *manifest.Manifest {
	return func() *manifest.Manifest { return m }
}

func TestHandlerPages(t *testing.T) {
	srv := serve(t, Options{Manifest: fixed(demoManifest(t))})
	for _, lang := range []string{"ja", "en"} {
		for _, path := range []string{"/privacy", "/cookies", "/privacy/history"} {
			t.Run(lang+path, func(t *testing.T) {
				resp, body := get(t, srv, "/"+lang+path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if cl := resp.Header.Get("Content-Language"); cl != lang {
					t.Errorf("Content-Language %q, want %q", cl, lang)
				}
				if resp.Header.Get("ETag") == "" {
					t.Error("no ETag")
				}
				checkPage(t, body, lang)
			})
		}
	}
}

func TestHandlerNotFound(t *testing.T) {
	mux := http.NewServeMux()
	newHandler(t, Options{Manifest: fixed(parseManifest(t, "minimal", minimalYAML))}).Register(mux)
	// The site's own pages stay reachable beside the policy pages.
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "site") }))
	mux.Handle("GET /noren/", http.NotFoundHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/en/privacy", "/en/cookies", "/en/privacy/history", "/fr/privacy", "/xx/cookies"} {
		resp, body := get(t, srv, path)
		want := http.StatusNotFound
		if strings.HasPrefix(path, "/fr") || strings.HasPrefix(path, "/xx") {
			// Not a language Noren renders: the site answers.
			want = http.StatusOK
			if body != "site" {
				t.Errorf("%s: body %q, want the site's", path, body)
			}
		}
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
	}
	if resp, _ := get(t, srv, "/ja/privacy"); resp.StatusCode != http.StatusOK {
		t.Errorf("/ja/privacy: status %d", resp.StatusCode)
	}
	if resp, body := get(t, srv, "/about/privacy"); resp.StatusCode != http.StatusOK || body != "site" {
		t.Errorf("/about/privacy: status %d, body %q; the site's page was captured", resp.StatusCode, body)
	}
}

func TestHandlerConditionalRequests(t *testing.T) {
	srv := serve(t, Options{Manifest: fixed(demoManifest(t))})
	resp, _ := get(t, srv, "/en/cookies")
	tag := resp.Header.Get("ETag")
	again, body := get(t, srv, "/en/cookies", "If-None-Match", tag)
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match %s: status %d with %d bytes, want 304", tag, again.StatusCode, len(body))
	}
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/en/cookies", nil)
	head, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusOK || head.Header.Get("ETag") != tag {
		t.Errorf("HEAD: status %d, ETag %q", head.StatusCode, head.Header.Get("ETag"))
	}
}

func TestHandlerFollowsReloads(t *testing.T) {
	var current atomic.Pointer[manifest.Manifest]
	current.Store(demoManifest(t))
	srv := serve(t, Options{Manifest: current.Load})
	first, body := get(t, srv, "/en/privacy")
	if strings.Contains(body, "Sending the newsletter") {
		t.Fatal("the first manifest already has the new purpose")
	}
	current.Store(demoVariant(t))
	second, body := get(t, srv, "/en/privacy")
	if !strings.Contains(body, "Sending the newsletter") {
		t.Error("the page did not follow the reloaded manifest")
	}
	if first.Header.Get("ETag") == second.Header.Get("ETag") {
		t.Error("the ETag did not change with the page")
	}
}

func TestHandlerChoicesURL(t *testing.T) {
	srv := serve(t, Options{
		Manifest:   fixed(demoManifest(t)),
		ChoicesURL: func(lang string) string { return "/" + lang + "/privacy/choices" },
	})
	_, body := get(t, srv, "/ja/cookies")
	if !strings.Contains(body, `href="/ja/privacy/choices"`) {
		t.Error("the cookie policy does not link the choices page")
	}
	_, body = get(t, srv, "/ja/privacy")
	if !strings.Contains(body, `href="/ja/privacy/choices"`) {
		t.Error("the privacy policy does not link the choices page")
	}
}

func TestHandlerLanguageSwitch(t *testing.T) {
	srv := serve(t, Options{Manifest: fixed(demoManifest(t))})
	_, body := get(t, srv, "/ja/cookies")
	for _, want := range []string{
		`<link rel="alternate" hreflang="en" href="/en/cookies">`,
		`<a href="/en/cookies" hreflang="en" lang="en">English</a>`,
		`<a href="/ja/cookies" aria-current="page">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}
