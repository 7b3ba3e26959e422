package site

import (
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/web"
)

// policyPages serves Noren's policy pages for the demo manifest.
func policyPages(t testing.TB) http.Handler {
	t.Helper()
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	policy.NewHandler(policy.Options{Manifest: func() *manifest.Manifest { return m }}).Register(mux)
	return mux
}

// layoutServer serves the policy pages dressed by a SiteLayout of opt,
// whose origin reads fsys unless opt names one.
func layoutServer(t *testing.T, fsys fs.FS, opt SiteLayoutOptions) (*httptest.Server, *SiteLayout) {
	t.Helper()
	if opt.Origin == nil {
		opt.Origin = FolderOrigin(fsys)
	}
	opt.Homes = NewHomes(opt.Origin, []string{"ja", "en"}, "ja")
	opt.Languages = []string{"ja", "en"}
	opt.Nonce = func(*http.Request) string { return testNonce }
	opt.Logger = slog.New(slog.DiscardHandler)
	l, err := NewSiteLayout(opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Wrap(policyPages(t)))
	t.Cleanup(srv.Close)
	return srv, l
}

func TestSiteLayoutDressesPolicyPage(t *testing.T) {
	srv, _ := layoutServer(t, DirFS("testdata/layoutsite"), SiteLayoutOptions{Page: "/{lang}/about/", Main: "main#content"})
	for _, lang := range []string{"ja", "en"} {
		resp, body := fetch(t, srv, http.MethodGet, "/"+lang+"/privacy")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		golden(t, "layout-privacy-"+lang+".html", body)
		for _, gone := range []string{
			"googletagmanager", "youtube.com/embed/abc123", "ld+json", "onclick", "canonical", "og:title",
			`name="description"`, "港のまち", "port city", "nested main",
		} {
			if strings.Contains(body, gone) {
				t.Errorf("%s: the dressed page still has %q", lang, gone)
			}
		}
		for _, kept := range []string{
			`<link rel="stylesheet" href="/css/site.css">`,
			`<script src="/js/menu.js" defer="" nonce="` + testNonce + `">`,
			`<style nonce="` + testNonce + `">`,
			`<link rel="stylesheet" href="/noren/noren.css">`,
			`<html lang="` + lang + `" class="no-js">`,
			`<div class="noren-page noren-embedded">`,
			`<nav class="page-nav"`,
			`<footer class="site-footer">`,
		} {
			if !strings.Contains(body, kept) {
				t.Errorf("%s: the dressed page lacks %q", lang, kept)
			}
		}
		if n := strings.Count(body, "<title>"); n != 1 {
			t.Errorf("%s: %d titles", lang, n)
		}
	}
}

func TestSiteLayoutFallsBack(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		opt  SiteLayoutOptions
		home string
	}{
		{"no layout page, no folders", flatSite, SiteLayoutOptions{}, "/"},
		{"no layout page, folders", folderSite, SiteLayoutOptions{}, "/ja/"},
		{"missing layout page", flatSite, SiteLayoutOptions{Page: "/{lang}/about/"}, "/"},
		{"nothing matches main", flatSite, SiteLayoutOptions{Page: "/about/", Main: "#nowhere"}, "/"},
		{"layout page in Shift_JIS", fstest.MapFS{
			"about/index.html": {Data: []byte(`<html><head><meta charset="Shift_JIS"></head><body><main></main></body></html>`)},
		}, SiteLayoutOptions{Page: "/about/"}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := layoutServer(t, tt.fsys, tt.opt)
			resp, body := fetch(t, srv, http.MethodGet, "/ja/privacy")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, string(norenMarker)) {
				t.Fatalf("status %d; want Noren's own layout:\n%s", resp.StatusCode, body)
			}
			if want := `<a class="page-header__site" href="` + tt.home + `">`; !strings.Contains(body, want) {
				t.Errorf("home link is not %s", want)
			}
		})
	}
}

func TestSiteLayoutFollowsFileChanges(t *testing.T) {
	fsys := fstest.MapFS{"about.html": {Data: []byte(`<html><body><header>Old header</header><main></main></body></html>`), ModTime: time.Unix(1, 0)}}
	srv, l := layoutServer(t, fsys, SiteLayoutOptions{Page: "/about"})
	now := time.Now()
	l.now = func() time.Time { return now }
	resp, body := fetch(t, srv, http.MethodGet, "/en/privacy")
	if !strings.Contains(body, "Old header") {
		t.Fatalf("not dressed:\n%s", body)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := fetch(t, srv, http.MethodGet, "/en/privacy", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged page: status %d, want 304", resp.StatusCode)
	}
	fsys["about.html"] = &fstest.MapFile{Data: []byte(`<html><body><header>New header</header><main></main></body></html>`), ModTime: time.Unix(2, 0)}
	now = now.Add(folderLayoutRefresh)
	resp, body = fetch(t, srv, http.MethodGet, "/en/privacy", "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "New header") {
		t.Errorf("after the change: status %d, want the new layout:\n%s", resp.StatusCode, body)
	}
}

func TestSiteLayoutRevalidatesUpstream(t *testing.T) {
	var gets, notModified atomic.Int32
	header := atomic.Value{}
	header.Store("First header")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/en/about/" {
			http.NotFound(w, r)
			return
		}
		gets.Add(1)
		h := header.Load().(string)
		etag := `"` + strings.ReplaceAll(h, " ", "-") + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><body><header>` + h + `</header><main></main></body></html>`))
	}))
	defer up.Close()
	origin, err := UpstreamOrigin(mustParseURL(t, up.URL), ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, l := layoutServer(t, nil, SiteLayoutOptions{Origin: origin, Page: "/{lang}/about/"})
	now := time.Now()
	l.now = func() time.Time { return now }
	for range 3 {
		if _, body := fetch(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "First header") {
			t.Fatalf("not dressed:\n%s", body)
		}
	}
	if gets.Load() != 1 {
		t.Errorf("the upstream was asked %d times within the refresh interval, want once", gets.Load())
	}
	now = now.Add(upstreamLayoutRefresh)
	fetch(t, srv, http.MethodGet, "/en/privacy")
	if notModified.Load() != 1 {
		t.Errorf("%d revalidations answered 304, want 1", notModified.Load())
	}
	header.Store("Second header")
	now = now.Add(upstreamLayoutRefresh)
	if _, body := fetch(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "Second header") {
		t.Errorf("the changed layout was not taken:\n%s", body)
	}
	up.Close()
	now = now.Add(upstreamLayoutRefresh)
	if _, body := fetch(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "Second header") {
		t.Errorf("with the upstream down, the copy read before should be used:\n%s", body)
	}
}

func TestSiteLayoutPassesOtherResponses(t *testing.T) {
	l, err := NewSiteLayout(SiteLayoutOptions{Origin: FolderOrigin(flatSite), Homes: NewHomes(FolderOrigin(flatSite), []string{"ja"}, "ja"), Languages: []string{"ja"}, Page: "/"})
	if err != nil {
		t.Fatal(err)
	}
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"a":1}`))
		case "/other-html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><body><main>not Noren's</main></body></html>`))
		case "/redirect":
			http.Redirect(w, r, "/x", http.StatusSeeOther)
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]string{
		"/json":       `{"a":1}`,
		"/other-html": `<html><body><main>not Noren's</main></body></html>`,
	} {
		if _, body := fetch(t, srv, http.MethodGet, path); body != want {
			t.Errorf("%s: body %q, want %q", path, body, want)
		}
	}
	if resp, _ := fetch(t, srv, http.MethodPost, "/redirect"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("redirect: status %d", resp.StatusCode)
	}
}

func TestCheckLayoutPage(t *testing.T) {
	for _, p := range []string{"", "/", "/{lang}/about/", "/about.html", "/{lang}/"} {
		if err := CheckLayoutPage(p); err != nil {
			t.Errorf("CheckLayoutPage(%q): %v", p, err)
		}
	}
	for _, p := range []string{"about/", "//evil.example/", "https://x/", "/a?b", "/{language}/", "/a b"} {
		if err := CheckLayoutPage(p); err == nil {
			t.Errorf("CheckLayoutPage(%q) accepted it", p)
		}
	}
}

func mustParseURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
