package page

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/csp"
)

const (
	adoptNonce = "t3st-n0nce"
	// adoptPolicy is the Content-Security-Policy of Noren's pages in
	// these tests, as the server's middleware sets it before the page is
	// dressed.
	adoptPolicy = "default-src 'self'; script-src 'self' 'nonce-" + adoptNonce + "'; style-src 'self' 'nonce-" + adoptNonce + "'"
	// pageETag is the ETag of Noren's page in these tests.
	pageETag = `"page-1"`
)

// pageSource serves layout pages held in memory, each version numbered,
// as a site's folder or upstream would.
type pageSource struct {
	mu      sync.Mutex
	pages   map[string]string
	version int
	down    bool
	reads   int
}

func (s *pageSource) LayoutPage(_ context.Context, urlPath, known string) (LayoutPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	body, ok := s.pages[urlPath]
	switch {
	case s.down:
		return LayoutPage{}, errors.New("the site is down")
	case !ok:
		return LayoutPage{}, errors.New("no such page")
	}
	v := fmt.Sprint(s.version)
	if known == v {
		return LayoutPage{Version: v, NotModified: true}, nil
	}
	return LayoutPage{Body: []byte(body), Version: v}, nil
}

func (s *pageSource) LayoutRefresh() time.Duration { return time.Minute }

// readCount reports how many times a layout page was asked for.
func (s *pageSource) readCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// setDown makes the source fail, as a site that is down.
func (s *pageSource) setDown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
}

// set changes the layout page at urlPath.
func (s *pageSource) set(urlPath, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[urlPath] = body
	s.version++
}

// norenPages serves a page in the chrome at /{lang}/privacy.
func norenPages(t *testing.T) http.Handler {
	t.Helper()
	m := demoManifest(t)
	c, err := NewChrome(testTree(t))
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.Page("templates/test/one.html")
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/privacy")
		if !ok || (lang != "ja" && lang != "en") {
			http.NotFound(w, r)
			return
		}
		var b bytes.Buffer
		if err := one.Execute(&b, testView{Layout: Privacy.Layout(m, lang), Body: "content"}); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", pageETag)
		w.Write(b.Bytes())
	})
}

// adoptServer serves norenPages dressed by a SiteLayout of opt reading
// src, with adoptPolicy.
func adoptServer(t *testing.T, src *pageSource, opt SiteLayoutOptions) (*httptest.Server, *SiteLayout) {
	t.Helper()
	opt.Source = src
	opt.Home = func(_ context.Context, lang string) string { return "/" + lang + "/" }
	opt.Languages = []string{"ja", "en"}
	opt.Nonce = func(*http.Request) string { return adoptNonce }
	opt.Logger = slog.New(slog.DiscardHandler)
	l, err := NewSiteLayout(opt)
	if err != nil {
		t.Fatal(err)
	}
	dressed := l.Wrap(norenPages(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", adoptPolicy)
		dressed.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, l
}

// get requests path from srv with the headers given as "Name: value".
func get(t *testing.T, srv *httptest.Server, method, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
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
	srv, _ := adoptServer(t, &pageSource{pages: map[string]string{"/about/": layout}}, SiteLayoutOptions{Page: "/about/"})
	resp, body := get(t, srv, http.MethodGet, "/ja/privacy")
	if resp.StatusCode != http.StatusOK || InChrome([]byte(body)) {
		t.Fatalf("status %d; want a dressed page:\n%s", resp.StatusCode, body)
	}
	policy := resp.Header.Get("Content-Security-Policy")
	want := adoptPolicy + "; style-src-attr 'unsafe-hashes' " + csp.Source(banner) + " " + csp.Source(quoted) + " " + csp.Source("padding: 1rem")
	if policy != want {
		t.Errorf("policy\n%s\nwant\n%s", policy, want)
	}
	if strings.Contains(policy, csp.Source("color: red")) {
		t.Errorf("the policy admits a style attribute of the content Noren's page replaces")
	}
	if n := strings.Count(body, `style="`+banner+`"`); n != 2 {
		t.Errorf("%d style attributes kept, want 2:\n%s", n, body)
	}

	var many strings.Builder
	many.WriteString(`<html><body><header>`)
	for i := range csp.MaxHashSources + 10 {
		fmt.Fprintf(&many, `<span style="order: %d">%d</span>`, i, i)
	}
	many.WriteString(`</header><main></main></body></html>`)
	srv, _ = adoptServer(t, &pageSource{pages: map[string]string{"/about/": many.String()}}, SiteLayoutOptions{Page: "/about/"})
	resp, body = get(t, srv, http.MethodGet, "/ja/privacy")
	if got := strings.Count(resp.Header.Get("Content-Security-Policy"), "'sha256-"); got != csp.MaxHashSources {
		t.Errorf("%d hash sources, want %d", got, csp.MaxHashSources)
	}
	if got := strings.Count(body, `<span style="`); got != csp.MaxHashSources {
		t.Errorf("%d style attributes kept, want the %d hashed", got, csp.MaxHashSources)
	}
	if !strings.Contains(body, fmt.Sprintf(`<span>%d</span>`, csp.MaxHashSources)) {
		t.Errorf("an attribute past the bound was not left out:\n%s", body)
	}
}

// TestSiteLayoutFollowsChanges checks that the layout page is looked at
// again once its source's refresh interval has passed, that an ETag
// covers the layout, and that the copy read before stays in use while the
// page cannot be read.
func TestSiteLayoutFollowsChanges(t *testing.T) {
	src := &pageSource{pages: map[string]string{}}
	src.set("/en/about/", `<html><body><header>Old header</header><main></main></body></html>`)
	srv, l := adoptServer(t, src, SiteLayoutOptions{Page: "/{lang}/about/"})
	clock := clocktest.New(time.Now())
	l.now = clock.Now
	var etag string
	for range 3 {
		resp, body := get(t, srv, http.MethodGet, "/en/privacy")
		if !strings.Contains(body, "Old header") {
			t.Fatalf("not dressed:\n%s", body)
		}
		etag = resp.Header.Get("ETag")
	}
	if n := src.readCount(); n != 1 {
		t.Errorf("the layout page was read %d times within the refresh interval, want once", n)
	}
	if etag == "" || etag == pageETag {
		t.Errorf("ETag %q does not cover the layout", etag)
	}
	if resp, _ := get(t, srv, http.MethodGet, "/en/privacy", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged page: status %d, want 304", resp.StatusCode)
	}
	clock.Advance(src.LayoutRefresh())
	if resp, _ := get(t, srv, http.MethodHead, "/en/privacy", "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified || src.readCount() != 2 {
		t.Errorf("revalidated page: status %d after %d reads, want 304 after 2", resp.StatusCode, src.readCount())
	}
	src.set("/en/about/", `<html><body><header>New header</header><main></main></body></html>`)
	clock.Advance(src.LayoutRefresh())
	resp, body := get(t, srv, http.MethodGet, "/en/privacy", "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "New header") {
		t.Errorf("after the change: status %d, want the new layout:\n%s", resp.StatusCode, body)
	}
	src.setDown()
	clock.Advance(src.LayoutRefresh())
	if _, body := get(t, srv, http.MethodGet, "/en/privacy"); !strings.Contains(body, "New header") {
		t.Errorf("with the site down, the copy read before should be used:\n%s", body)
	}
}

func TestSiteLayoutPassesOtherResponses(t *testing.T) {
	l, err := NewSiteLayout(SiteLayoutOptions{
		Source:    &pageSource{pages: map[string]string{"/": `<main></main>`}},
		Home:      func(context.Context, string) string { return "/" },
		Languages: []string{"ja"},
		Page:      "/",
	})
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
		if _, body := get(t, srv, http.MethodGet, path); body != want {
			t.Errorf("%s: body %q, want %q", path, body, want)
		}
	}
	if resp, _ := get(t, srv, http.MethodPost, "/redirect"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("redirect: status %d", resp.StatusCode)
	}
}

func TestNewSiteLayoutRefuses(t *testing.T) {
	src := &pageSource{}
	home := func(context.Context, string) string { return "/" }
	for name, opt := range map[string]SiteLayoutOptions{
		"no source":    {Home: home},
		"no home":      {Source: src},
		"bad page":     {Source: src, Home: home, Page: "about/"},
		"bad selector": {Source: src, Home: home, Page: "/", Main: "a + b"},
	} {
		if _, err := NewSiteLayout(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
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

func TestCheckLayoutMain(t *testing.T) {
	for sel, ok := range map[string]bool{"": true, "main": true, "#content > .body": true, "a:hover": false, "main >": false} {
		if err := CheckLayoutMain(sel); (err == nil) != ok {
			t.Errorf("CheckLayoutMain(%q): %v", sel, err)
		}
	}
}
