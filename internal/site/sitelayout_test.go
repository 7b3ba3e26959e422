package site

import (
	"fmt"
	"html"
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

	"github.com/noren-web/noren/internal/clocktest"
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

// layoutServer serves the policy pages dressed by a SiteLayout of opt,
// whose origin reads fsys unless opt names one, with layoutPolicy.
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
	dressed := l.Wrap(policyPages(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", layoutPolicy)
		dressed.ServeHTTP(w, r)
	}))
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
		{"layout page in UTF-16", fstest.MapFS{
			"about/index.html": {Data: []byte("\xFF\xFE<\x00h\x00t\x00m\x00l\x00>\x00<\x00m\x00a\x00i\x00n\x00>\x00")},
		}, SiteLayoutOptions{Page: "/about/"}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := layoutServer(t, tt.fsys, tt.opt)
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
			opt := SiteLayoutOptions{Page: "/about/"}
			fsys := fstest.MapFS{"about/index.html": {Data: tt.body}}
			if tt.contentType != "" {
				up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", tt.contentType)
					w.Write(tt.body)
				}))
				t.Cleanup(up.Close)
				origin, err := UpstreamOrigin(mustParseURL(t, up.URL), ProxyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				opt.Origin = origin
			}
			srv, _ := layoutServer(t, fsys, opt)
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

// TestSiteLayoutHashesStyleAttributes checks that the style attributes of
// the layout's header and footer are admitted by the dressed response's
// policy, by hash, and that none is admitted past the bound of hash
// sources: such attributes are left out.
func TestSiteLayoutHashesStyleAttributes(t *testing.T) {
	const (
		banner = "background: #fffbea; border-top: 4px solid #4a7c3f"
		quoted = `font-family: "Noto Sans JP", sans-serif`
	)
	layout := `<!DOCTYPE html><html lang="ja"><head><title>x</title></head><body>` +
		`<header style="` + banner + `"><a href="/" style="` + html.EscapeString(quoted) + `">町</a></header>` +
		`<main style="padding: 1rem"><p style="color: red">replaced</p></main>` +
		`<footer style="` + banner + `">町役場</footer></body></html>`
	srv, _ := layoutServer(t, fstest.MapFS{"about/index.html": {Data: []byte(layout)}}, SiteLayoutOptions{Page: "/about/"})
	resp, body := fetch(t, srv, http.MethodGet, "/ja/privacy")
	if resp.StatusCode != http.StatusOK || page.InChrome([]byte(body)) {
		t.Fatalf("status %d; want a dressed page:\n%s", resp.StatusCode, body)
	}
	policy := resp.Header.Get("Content-Security-Policy")
	want := layoutPolicy + "; style-src-attr 'unsafe-hashes' " + hashSource(banner) + " " + hashSource(quoted) + " " + hashSource("padding: 1rem")
	if policy != want {
		t.Errorf("policy\n%s\nwant\n%s", policy, want)
	}
	if strings.Contains(policy, hashSource("color: red")) {
		t.Errorf("the policy admits a style attribute of the content Noren's page replaces")
	}
	if n := strings.Count(body, `style="`+banner+`"`); n != 2 {
		t.Errorf("%d style attributes kept, want 2:\n%s", n, body)
	}

	var many strings.Builder
	many.WriteString(`<html><body><header>`)
	for i := range maxHashSources + 10 {
		fmt.Fprintf(&many, `<span style="order: %d">%d</span>`, i, i)
	}
	many.WriteString(`</header><main></main></body></html>`)
	srv, _ = layoutServer(t, fstest.MapFS{"about/index.html": {Data: []byte(many.String())}}, SiteLayoutOptions{Page: "/about/"})
	resp, body = fetch(t, srv, http.MethodGet, "/ja/privacy")
	if got := strings.Count(resp.Header.Get("Content-Security-Policy"), "'sha256-"); got != maxHashSources {
		t.Errorf("%d hash sources, want %d", got, maxHashSources)
	}
	if got := strings.Count(body, `<span style="`); got != maxHashSources {
		t.Errorf("%d style attributes kept, want the %d hashed", got, maxHashSources)
	}
	if !strings.Contains(body, fmt.Sprintf(`<span>%d</span>`, maxHashSources)) {
		t.Errorf("an attribute past the bound was not left out:\n%s", body)
	}
}

func TestSiteLayoutFollowsFileChanges(t *testing.T) {
	fsys := fstest.MapFS{"about.html": {Data: []byte(`<html><body><header>Old header</header><main></main></body></html>`), ModTime: time.Unix(1, 0)}}
	srv, l := layoutServer(t, fsys, SiteLayoutOptions{Page: "/about"})
	clock := clocktest.New(time.Now())
	l.now = clock.Now
	resp, body := fetch(t, srv, http.MethodGet, "/en/privacy")
	if !strings.Contains(body, "Old header") {
		t.Fatalf("not dressed:\n%s", body)
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := fetch(t, srv, http.MethodGet, "/en/privacy", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged page: status %d, want 304", resp.StatusCode)
	}
	fsys["about.html"] = &fstest.MapFile{Data: []byte(`<html><body><header>New header</header><main></main></body></html>`), ModTime: time.Unix(2, 0)}
	clock.Advance(folderLayoutRefresh)
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
	clock := clocktest.New(time.Now())
	l.now = clock.Now
	for range 3 {
		if _, body := fetch(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "First header") {
			t.Fatalf("not dressed:\n%s", body)
		}
	}
	if gets.Load() != 1 {
		t.Errorf("the upstream was asked %d times within the refresh interval, want once", gets.Load())
	}
	clock.Advance(upstreamLayoutRefresh)
	fetch(t, srv, http.MethodGet, "/en/privacy")
	if notModified.Load() != 1 {
		t.Errorf("%d revalidations answered 304, want 1", notModified.Load())
	}
	header.Store("Second header")
	clock.Advance(upstreamLayoutRefresh)
	if _, body := fetch(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "Second header") {
		t.Errorf("the changed layout was not taken:\n%s", body)
	}
	up.Close()
	clock.Advance(upstreamLayoutRefresh)
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
