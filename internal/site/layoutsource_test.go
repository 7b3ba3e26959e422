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
	"unicode/utf8"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/web"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// policyPages serves Noren's policy pages for the demo manifest.
func policyPages(t testing.TB) http.Handler {
	t.Helper()
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	chrome, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	h, err := policy.NewHandler(policy.Options{Manifest: func() *manifest.Manifest { return m }, Chrome: chrome})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	return mux
}

// layoutPolicy is the Content-Security-Policy layoutServer's responses
// carry, as the server's middleware sets it before the page is dressed.
const layoutPolicy = "default-src 'self'; script-src 'self' 'nonce-" + testNonce + "'; style-src 'self' 'nonce-" + testNonce + "'"

// layoutServer serves the policy pages dressed by a page.SiteLayout of
// opt, whose layout page origin reads, or fsys when origin is nil, with
// layoutPolicy.
func layoutServer(t *testing.T, fsys fs.FS, origin *Origin, opt page.SiteLayoutOptions) *httptest.Server {
	t.Helper()
	if origin == nil {
		origin = FolderOrigin(fsys)
	}
	opt.Source = origin
	opt.Home = NewHomes(origin, []string{"ja", "en"}, "ja").Home
	opt.Languages = []string{"ja", "en"}
	opt.Nonce = func(*http.Request) string { return testNonce }
	opt.Logger = slog.New(slog.DiscardHandler)
	l, err := page.NewSiteLayout(opt)
	if err != nil {
		t.Fatal(err)
	}
	dressed := l.Wrap(policyPages(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", layoutPolicy)
		dressed.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSiteLayoutDressesPolicyPage(t *testing.T) {
	srv := layoutServer(t, DirFS("testdata/layoutsite"), nil, page.SiteLayoutOptions{Page: "/{lang}/about/", Main: "main#content"})
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
		opt  page.SiteLayoutOptions
		home string
	}{
		{"no layout page, no folders", flatSite, page.SiteLayoutOptions{}, "/"},
		{"no layout page, folders", folderSite, page.SiteLayoutOptions{}, "/ja/"},
		{"missing layout page", flatSite, page.SiteLayoutOptions{Page: "/{lang}/about/"}, "/"},
		{"nothing matches main", flatSite, page.SiteLayoutOptions{Page: "/about/", Main: "#nowhere"}, "/"},
		{"layout page in UTF-16", fstest.MapFS{
			"about/index.html": {Data: []byte("\xFF\xFE<\x00h\x00t\x00m\x00l\x00>\x00<\x00m\x00a\x00i\x00n\x00>\x00")},
		}, page.SiteLayoutOptions{Page: "/about/"}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := layoutServer(t, tt.fsys, nil, tt.opt)
			resp, body := fetch(t, srv, http.MethodGet, "/ja/privacy")
			if resp.StatusCode != http.StatusOK || !page.InChrome([]byte(body)) {
				t.Fatalf("status %d; want Noren's own layout:\n%s", resp.StatusCode, body)
			}
			if want := `<a class="page-header__site" href="` + tt.home + `">`; !strings.Contains(body, want) {
				t.Errorf("home link is not %s", want)
			}
		})
	}
}

// encodeJapanese returns s in the Japanese charset enc.
func encodeJapanese(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSiteLayoutReadsLegacyCharsets dresses Noren's pages in layout pages
// in the Japanese charsets older sites use, declared by <meta charset>, by
// <meta http-equiv> or by the upstream's Content-Type alone.
func TestSiteLayoutReadsLegacyCharsets(t *testing.T) {
	const header = `<header class="site-header"><a href="/">くすのき町　まちづくり推進課</a></header>`
	layoutPage := func(meta string) string {
		return `<!DOCTYPE html><html lang="ja"><head>` + meta + `<title>課の紹介</title></head><body>` +
			header + `<main><h1>課の紹介</h1></main><footer>〒000-0000　本町一丁目</footer></body></html>`
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string // from an upstream; "" reads a folder
	}{
		{"Shift_JIS by meta charset", encodeJapanese(t, japanese.ShiftJIS, layoutPage(`<meta charset="Shift_JIS">`)), ""},
		{"EUC-JP by meta http-equiv", encodeJapanese(t, japanese.EUCJP,
			layoutPage(`<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">`)), ""},
		{"ISO-2022-JP by Content-Type", encodeJapanese(t, japanese.ISO2022JP, layoutPage("")), "text/html; charset=ISO-2022-JP"},
		{"Shift_JIS by Content-Type over meta", encodeJapanese(t, japanese.ShiftJIS, layoutPage(`<meta charset="utf-8">`)),
			"text/html; charset=Shift_JIS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"about/index.html": {Data: tt.body}}
			var origin *Origin
			if tt.contentType != "" {
				up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", tt.contentType)
					w.Write(tt.body)
				}))
				t.Cleanup(up.Close)
				var err error
				if origin, err = UpstreamOrigin(mustParseURL(t, up.URL), ProxyOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			srv := layoutServer(t, fsys, origin, page.SiteLayoutOptions{Page: "/about/"})
			resp, body := fetch(t, srv, http.MethodGet, "/ja/privacy")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "utf-8") {
				t.Errorf("Content-Type %q, want UTF-8", ct)
			}
			if !utf8.ValidString(body) || strings.ContainsRune(body, utf8.RuneError) {
				t.Fatalf("the dressed page is not clean UTF-8:\n%s", body)
			}
			for _, want := range []string{header, "〒000-0000　本町一丁目", `<div class="noren-page noren-embedded">`, "プライバシーポリシー"} {
				if !strings.Contains(body, want) {
					t.Errorf("the dressed page lacks %s:\n%s", want, body)
				}
			}
			if page.InChrome([]byte(body)) {
				t.Errorf("Noren's own layout was used:\n%s", body)
			}
			for _, gone := range []string{"Shift_JIS", "EUC-JP", "ISO-2022-JP"} {
				if strings.Contains(body, gone) {
					t.Errorf("the dressed page still declares %s:\n%s", gone, body)
				}
			}
		})
	}
}

func TestLayoutPageFollowsFileChanges(t *testing.T) {
	fsys := fstest.MapFS{"about.html": {Data: []byte(`<html><body><header>Old header</header></body></html>`), ModTime: time.Unix(1, 0)}}
	o := FolderOrigin(fsys)
	if got := o.LayoutRefresh(); got != folderLayoutRefresh {
		t.Errorf("refresh %v, want %v", got, folderLayoutRefresh)
	}
	ctx := t.Context()
	first, err := o.LayoutPage(ctx, "/about", "")
	if err != nil || !strings.Contains(string(first.Body), "Old header") {
		t.Fatalf("first read: %+v, %v", first, err)
	}
	if p, err := o.LayoutPage(ctx, "/about", first.Version); err != nil || !p.NotModified {
		t.Errorf("unchanged file: %+v, %v; want not modified", p, err)
	}
	fsys["about.html"] = &fstest.MapFile{Data: []byte(`<html><body><header>New header</header></body></html>`), ModTime: time.Unix(2, 0)}
	p, err := o.LayoutPage(ctx, "/about", first.Version)
	if err != nil || p.NotModified || !strings.Contains(string(p.Body), "New header") || p.Version == first.Version {
		t.Errorf("changed file: %+v, %v; want the new page", p, err)
	}
}

func TestLayoutPageRevalidatesUpstream(t *testing.T) {
	var notModified atomic.Int32
	header := atomic.Value{}
	header.Store("First header")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old/":
			http.Redirect(w, r, "/en/about/", http.StatusMovedPermanently)
			return
		case "/en/about/":
		default:
			http.NotFound(w, r)
			return
		}
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
	o, err := UpstreamOrigin(mustParseURL(t, up.URL), ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.LayoutRefresh(); got != upstreamLayoutRefresh {
		t.Errorf("refresh %v, want %v", got, upstreamLayoutRefresh)
	}
	ctx := t.Context()
	first, err := o.LayoutPage(ctx, "/old/", "")
	if err != nil || !strings.Contains(string(first.Body), "First header") {
		t.Fatalf("first read through a redirect: %+v, %v", first, err)
	}
	if p, err := o.LayoutPage(ctx, "/en/about/", first.Version); err != nil || !p.NotModified || notModified.Load() != 1 {
		t.Errorf("revalidation: %+v, %v, %d answered 304; want not modified", p, err, notModified.Load())
	}
	header.Store("Second header")
	if p, err := o.LayoutPage(ctx, "/en/about/", first.Version); err != nil || !strings.Contains(string(p.Body), "Second header") {
		t.Errorf("changed page: %+v, %v", p, err)
	}
	if _, err := o.LayoutPage(ctx, "/missing/", ""); err == nil {
		t.Errorf("a missing page was read")
	}
	up.Close()
	if _, err := o.LayoutPage(ctx, "/en/about/", ""); err == nil {
		t.Errorf("read with the upstream down")
	}
}

func TestLayoutPageRefusesOtherTypes(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer up.Close()
	o, err := UpstreamOrigin(mustParseURL(t, up.URL), ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := o.LayoutPage(t.Context(), "/", ""); err == nil {
		t.Errorf("a JSON document was read as a layout page: %+v", p)
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
