package site

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/csp"
)

// choicesCookie stands for a visitor's recorded choices in these tests: with
// it, pages get a pixel, as Noren's footer has one for visitors counted.
const choicesCookie = "choices=analytics"

// cacheOptions are testOptions whose injection depends on the visitor's
// choices and says so in its fingerprint, the way Noren's does.
func cacheOptions() Options {
	opt := testOptions()
	counted := func(r *http.Request) bool { return strings.Contains(r.Header.Get("Cookie"), choicesCookie) }
	footer := opt.Injection.Footer
	opt.Injection.Footer = func(r *http.Request, lang string) string {
		if counted(r) {
			return footer(r, lang) + `<img src="/pixel" alt="">`
		}
		return footer(r, lang)
	}
	opt.Injection.Fingerprint = func(r *http.Request) string { return fmt.Sprintf("counted=%t", counted(r)) }
	return opt
}

// cachedAndStreamed serves fsys twice behind withCSP: with the page cache
// and without it, every page rewritten as it streams.
func cachedAndStreamed(t *testing.T, fsys fs.FS, opt Options) (cached, streamed *httptest.Server) {
	t.Helper()
	opt, err := opt.check()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		srv   **httptest.Server
		pages *pageCache
	}{{&cached, newPageCache(opt.CacheBytes)}, {&streamed, nil}} {
		h, err := newStatic(fsys, opt, c.pages)
		if err != nil {
			t.Fatal(err)
		}
		*c.srv = httptest.NewServer(withCSP(h))
		t.Cleanup((*c.srv).Close)
	}
	return cached, streamed
}

// cacheSite is a site with a UTF-8 page whose attributes hold inline code
// and a Shift_JIS page.
func cacheSite(t *testing.T) fstest.MapFS {
	return fstest.MapFS{
		"ja/index.html": {Data: []byte(`<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>例示市</title>` +
			`<style>p{margin:0}</style><script>var x = 1;</script></head><body>` +
			`<button onclick="toggle()" style="color:red">メニュー</button><a href="/files/a.pdf">申請書</a>` +
			strings.Repeat("<p>保有個人情報の開示請求について</p>\n", 100) + `</body></html>`)},
		"ja/old/index.html": {Data: encodeIn(t, "shift_jis", `<html><head><meta charset="Shift_JIS"><title>旧サイト</title>`+
			`<script>document.title = "表示";</script></head><body onload="start()">`+
			strings.Repeat("<p>ソ表能の外部送信</p>\n", 100)+`</body></html>`)},
		"files/a.pdf": {Data: []byte("%PDF-1.4")},
	}
}

// TestStaticCachedPageMatchesStream checks that a page sent from the cache,
// on the miss that fills it and on later hits, is byte for byte the page the
// streaming rewrite makes with the same nonce, with the same headers, in
// UTF-8 and Shift_JIS, for visitors with and without recorded choices.
func TestStaticCachedPageMatchesStream(t *testing.T) {
	cached, streamed := cachedAndStreamed(t, cacheSite(t), cacheOptions())
	for _, path := range []string{"/ja/", "/ja/old/"} {
		for _, cookie := range []string{"", choicesCookie} {
			for _, accept := range []string{"gzip", "", "br"} {
				headers := []string{"Accept-Encoding: " + accept}
				if cookie != "" {
					headers = append(headers, "Cookie: "+cookie)
				}
				want, wantBody := fetch(t, streamed, http.MethodGet, path, headers...)
				for round := range 2 { // the miss, then a hit
					got, body := fetch(t, cached, http.MethodGet, path, headers...)
					name := fmt.Sprintf("%s cookie %q Accept-Encoding %q round %d", path, cookie, accept, round)
					if got.StatusCode != http.StatusOK || body != wantBody {
						t.Errorf("%s: status %d, body differs from the streamed page:\n%s\nwant\n%s", name, got.StatusCode, body, wantBody)
					}
					for _, k := range []string{"Content-Security-Policy", "ETag", "Cache-Control", "Content-Type", "Vary"} {
						if g, w := got.Header.Values(k), want.Header.Values(k); strings.Join(g, "\n") != strings.Join(w, "\n") {
							t.Errorf("%s: %s %q, streamed %q", name, k, g, w)
						}
					}
					if accept == "gzip" && (got.Header.Get("Content-Encoding") != "gzip" || got.ContentLength <= 0) {
						t.Errorf("%s: Content-Encoding %q, Content-Length %d; want gzip with a length",
							name, got.Header.Get("Content-Encoding"), got.ContentLength)
					}
				}
			}
		}
	}
}

// TestStaticCachedPageCSP checks that hits carry the hashes of the page's
// inline attributes in the policy with the response's nonce, in enforced
// and report-only form, and that each response has its own nonce.
func TestStaticCachedPageCSP(t *testing.T) {
	opt := cacheOptions()
	var n atomic.Int64
	opt.Nonce = func(r *http.Request) string { return r.Header.Get("X-Test-Nonce") }
	h, err := NewStatic(cacheSite(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			nonce := fmt.Sprintf("nonce%019d", n.Add(1))
			r.Header.Set("X-Test-Nonce", nonce)
			w.Header().Set(key, "script-src 'self' 'nonce-"+nonce+"'; style-src 'self' 'nonce-"+nonce+"'")
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		var nonces []string
		for range 3 {
			resp, body := fetch(t, srv, http.MethodGet, "/ja/", "Accept-Encoding: gzip")
			policy := resp.Header.Get(key)
			nonce := policy[strings.Index(policy, "'nonce-")+7:]
			nonce = nonce[:strings.IndexByte(nonce, '\'')]
			nonces = append(nonces, nonce)
			for _, want := range []string{
				"script-src-attr 'unsafe-hashes' " + csp.Source("toggle()"),
				"style-src-attr 'unsafe-hashes' " + csp.Source("color:red"),
			} {
				if !strings.Contains(policy, want) {
					t.Errorf("%s %q lacks %q", key, policy, want)
				}
			}
			if got := strings.Count(body, ` nonce="`+nonce+`"`); got != 2 {
				t.Errorf("%s: the page's elements have the response's nonce %d times, want 2 (style and script)", key, got)
			}
		}
		if nonces[0] == nonces[1] || nonces[1] == nonces[2] {
			t.Errorf("%s: responses share nonces %q", key, nonces)
		}
	}
}

// TestStaticCachedPageFollowsChanges checks that a cached page is made
// again when its file changes, when the injection changes (a manifest
// reloaded) and when the site gains a language folder, which the footer
// links to.
func TestStaticCachedPageFollowsChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/index.html", "<!DOCTYPE html><html lang=en><body><p>first</p></body></html>")
	fsys := DirFS(dir)
	opt := testOptions()
	version := "manifest-1"
	var mu sync.Mutex
	manifest := func() string {
		mu.Lock()
		defer mu.Unlock()
		return version
	}
	opt.Injection.Head = func(r *http.Request, lang, nonce string) string {
		return `<meta name="noren-policy-version" content="` + manifest() + `">`
	}
	opt.Injection.Fingerprint = func(*http.Request) string { return manifest() }
	clock := clocktest.New(time.Now())
	opt.Homes = NewHomes(FolderOrigin(fsys), opt.Languages, opt.DefaultLanguage)
	opt.Homes.now = clock.Now
	footer, err := FooterLinks(opt.Languages, true, opt.Homes, defaultCookiesName)
	if err != nil {
		t.Fatal(err)
	}
	opt.Injection.Footer = footer
	srv := staticServer(t, fsys, opt)
	get := func() string {
		t.Helper()
		_, body := fetch(t, srv, http.MethodGet, "/en/", "Accept-Encoding: gzip")
		return body
	}
	if body := get(); !strings.Contains(body, "first") || !strings.Contains(body, "manifest-1") || strings.Contains(body, `hreflang="ja"`) {
		t.Fatalf("first page: %s", body)
	}

	writeFile(t, dir, "en/index.html", "<!DOCTYPE html><html lang=en><body><p>second version</p></body></html>")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "en", "index.html"), later, later); err != nil {
		t.Fatal(err)
	}
	if body := get(); !strings.Contains(body, "second version") {
		t.Errorf("after the file changed: %s", body)
	}

	mu.Lock()
	version = "manifest-2"
	mu.Unlock()
	if body := get(); !strings.Contains(body, "manifest-2") {
		t.Errorf("after the injection changed: %s", body)
	}

	writeFile(t, dir, "ja/index.html", "<!DOCTYPE html><html lang=ja><body><p>日本語</p></body></html>")
	clock.Advance(time.Hour)
	if body := get(); !strings.Contains(body, `href="/ja/" hreflang="ja"`) {
		t.Errorf("after the site gained /ja/, the footer does not link to it: %s", body)
	}
}

// TestStaticCachedPageConcurrent serves one page to many clients at once,
// each with its own nonce, for the race detector and to check that no
// response carries another's nonce.
func TestStaticCachedPageConcurrent(t *testing.T) {
	opt := cacheOptions()
	opt.Nonce = func(r *http.Request) string { return r.Header.Get("X-Test-Nonce") }
	h, err := NewStatic(cacheSite(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := fmt.Sprintf("nonce%019d", n.Add(1))
		r.Header.Set("X-Test-Nonce", nonce)
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"'")
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 20 {
				path := []string{"/ja/", "/ja/old/"}[i%2]
				resp, body := fetch(t, srv, http.MethodGet, path, "Accept-Encoding: gzip")
				policy := resp.Header.Get("Content-Security-Policy")
				nonce := policy[strings.Index(policy, "'nonce-")+7:]
				nonce = nonce[:strings.IndexByte(nonce, '\'')]
				if got, want := strings.Count(body, `nonce="`), strings.Count(body, `nonce="`+nonce+`"`); got != want || got == 0 {
					t.Errorf("%s: %d nonces in the page, %d of them the response's", path, got, want)
				}
			}
		})
	}
	wg.Wait()
}
