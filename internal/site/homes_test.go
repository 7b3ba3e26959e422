package site

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/noren-web/noren/internal/clocktest"
)

// Sites arranged in the ways Homes tells apart.
var (
	// A generator's output without language folders (Hugo's default).
	flatSite = fstest.MapFS{
		"index.html":       {Data: []byte(`<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Root page</h1></body></html>`)},
		"about/index.html": {Data: []byte(`<!DOCTYPE html><html><body><h1>About</h1></body></html>`)},
	}
	// Both languages in folders, no root page.
	folderSite = fstest.MapFS{
		"ja/index.html": {Data: []byte(`<html lang="ja"><body><h1>日本語のトップ</h1></body></html>`)},
		"en/index.html": {Data: []byte(`<html lang="en"><body><h1>English home</h1></body></html>`)},
	}
	// Japanese at the root (lang="ja"), English in /en/.
	rootJapaneseSite = fstest.MapFS{
		"index.html":    {Data: []byte(`<!DOCTYPE html><html lang="ja-JP"><body><h1>ルートのトップ</h1></body></html>`)},
		"en/index.html": {Data: []byte(`<html lang="en"><body><h1>English home</h1></body></html>`)},
	}
	// A root page and both folders.
	bothSite = fstest.MapFS{
		"index.html":    {Data: []byte(`<html><body><h1>Root chooser</h1></body></html>`)},
		"ja/index.html": {Data: []byte(`<html lang="ja"><body><h1>日本語のトップ</h1></body></html>`)},
		"en/index.html": {Data: []byte(`<html lang="en"><body><h1>English home</h1></body></html>`)},
	}
	// Only a Japanese folder.
	japaneseOnlySite = fstest.MapFS{
		"ja/index.html": {Data: []byte(`<html lang="ja"><body><h1>日本語のトップ</h1></body></html>`)},
	}
)

func TestStaticSiteRoot(t *testing.T) {
	tests := []struct {
		name           string
		fsys           fstest.MapFS
		redirect       bool
		path, accept   string
		status         int
		location, body string
	}{
		{"flat site, English visitor", flatSite, true, "/", "en-US,en", 200, "", "Root page"},
		{"flat site, Japanese visitor", flatSite, true, "/", "ja", 200, "", "Root page"},
		{"flat site, no redirect", flatSite, false, "/", "en", 200, "", "Root page"},
		{"folders, English", folderSite, true, "/", "en-US,en;q=0.9", 302, "/en/", ""},
		{"folders, Japanese", folderSite, true, "/", "ja-JP", 302, "/ja/", ""},
		{"folders, no preference", folderSite, true, "/", "", 302, "/ja/", ""},
		{"folders, unknown language", folderSite, true, "/", "de", 302, "/ja/", ""},
		{"folders, query kept", folderSite, true, "/?utm_source=x&a=%2F", "en", 302, "/en/?utm_source=x&a=%2F", ""},
		{"folders without redirect_root still lead somewhere", folderSite, false, "/", "en", 302, "/en/", ""},
		{"root in Japanese, Japanese visitor", rootJapaneseSite, true, "/", "ja", 200, "", "ルートのトップ"},
		{"root in Japanese, no preference", rootJapaneseSite, true, "/", "", 200, "", "ルートのトップ"},
		{"root in Japanese, English visitor", rootJapaneseSite, true, "/", "en", 302, "/en/", ""},
		{"root and folders, redirect_root", bothSite, true, "/", "en", 302, "/en/", ""},
		{"root and folders, no redirect_root", bothSite, false, "/", "en", 200, "", "Root chooser"},
		{"only a Japanese folder, English visitor", japaneseOnlySite, true, "/", "en", 302, "/ja/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := testOptions()
			opt.RedirectRoot = tt.redirect
			srv := staticServer(t, tt.fsys, opt)
			var headers []string
			if tt.accept != "" {
				headers = append(headers, "Accept-Language: "+tt.accept)
			}
			resp, body := fetch(t, srv, http.MethodGet, tt.path, headers...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body lacks %q:\n%s", tt.body, body)
			}
			if !slices.Contains(resp.Header.Values("Vary"), "Accept-Language") {
				t.Errorf("Vary %q lacks Accept-Language", resp.Header.Values("Vary"))
			}
		})
	}
}

// TestStaticIndexDoesNotLoop follows /index.html of a site without
// language folders to the page, which once bounced between / and /en/.
func TestStaticIndexDoesNotLoop(t *testing.T) {
	opt := testOptions()
	opt.RedirectRoot = true
	srv := staticServer(t, flatSite, opt)
	resp, err := srv.Client().Get(srv.URL + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || !strings.Contains(string(body), "Root page") {
		t.Errorf("ended at %s with status %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
}

func TestNotFoundLinksToHomesThatExist(t *testing.T) {
	tests := []struct {
		name   string
		fsys   fstest.MapFS
		jaHome string
		enHome string
	}{
		{"flat site", flatSite, "/", "/"},
		{"folders", folderSite, "/ja/", "/en/"},
		{"Japanese at the root", rootJapaneseSite, "/", "/en/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := staticServer(t, tt.fsys, testOptions())
			resp, body := fetch(t, srv, http.MethodGet, "/missing")
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, want := range []string{
				`<p><a href="` + tt.jaHome + `">トップページへ</a></p>`,
				`<p><a href="` + tt.enHome + `">Go to the home page</a></p>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("404 page lacks %s:\n%s", want, body)
				}
			}
		})
	}
}

// foldersUpstream answers the pages of fsys like a web server would, with
// 404 for the rest, and counts the requests for each path.
func foldersUpstream(t *testing.T, fsys fstest.MapFS) (*httptest.Server, func(path string) int) {
	t.Helper()
	h, err := NewStatic(fsys, Options{Languages: []string{"ja", "en"}, DefaultLanguage: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	counts := make(chan map[string]int, 1)
	counts <- map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := <-counts
		c[r.URL.Path]++
		counts <- c
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func(path string) int {
		c := <-counts
		defer func() { counts <- c }()
		return c[path]
	}
}

func TestProxySiteRoot(t *testing.T) {
	tests := []struct {
		name         string
		fsys         fstest.MapFS
		redirect     bool
		accept       string
		status       int
		location     string
		body         string
		upstreamRoot int // requests for / the upstream saw
	}{
		{"flat site is passed on", flatSite, true, "en", 200, "", "Root page", 2},
		{"folders redirect", folderSite, true, "en", 302, "/en/", "", 0},
		{"Japanese root, Japanese visitor", rootJapaneseSite, true, "ja", 200, "", "ルートのトップ", 2},
		{"Japanese root, English visitor", rootJapaneseSite, true, "en", 302, "/en/", "", 0},
		{"without redirect_root the upstream decides", folderSite, false, "en", 302, "/en/", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, count := foldersUpstream(t, tt.fsys)
			opt := testOptions()
			opt.RedirectRoot = tt.redirect
			srv := proxyServer(t, up.URL, opt)
			resp, body := fetch(t, srv, http.MethodGet, "/", "Accept-Language: "+tt.accept)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body lacks %q:\n%s", tt.body, body)
			}
			// The look at the root is one request; serving it another.
			if tt.upstreamRoot == 0 {
				tt.upstreamRoot = 1
			}
			if tt.redirect {
				if got := count("/"); got != tt.upstreamRoot {
					t.Errorf("the upstream was asked for / %d times, want %d", got, tt.upstreamRoot)
				}
			}
			// The answer is kept: a second visit asks nothing more.
			fetch(t, srv, http.MethodGet, "/", "Accept-Language: ja")
			if tt.redirect && count("/en/") != 1 {
				t.Errorf("the upstream was asked for /en/ %d times, want once", count("/en/"))
			}
		})
	}
}

func TestProxyErrorPageLinksToKnownHomes(t *testing.T) {
	up, _ := foldersUpstream(t, rootJapaneseSite)
	opt := testOptions()
	opt.RedirectRoot = true
	srv := proxyServer(t, up.URL, opt)
	fetch(t, srv, http.MethodGet, "/", "Accept-Language: ja") // looks at the upstream
	up.Close()
	resp, body := fetch(t, srv, http.MethodGet, "/en/page")
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`<a href="/en/">Go to the home page</a>`, `<a href="/">トップページへ</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("502 page lacks %s:\n%s", want, body)
		}
	}
}

func TestFooterLinksFollowHomes(t *testing.T) {
	tests := []struct {
		name       string
		fsys       fstest.MapFS
		path, lang string
		want       string // the other language's link, "" for none
	}{
		{"flat site has no other language", flatSite, "/about/", "ja", ""},
		{"folders: the same page", folderSite, "/ja/news/", "ja", `href="/en/news/"`},
		{"Japanese root: English home", rootJapaneseSite, "/about/", "ja", `href="/en/"`},
		{"Japanese root: back to the root", rootJapaneseSite, "/en/news/", "en", `href="/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			homes := NewHomes(FolderOrigin(tt.fsys), []string{"ja", "en"}, "ja")
			footer, err := FooterLinks([]string{"ja", "en"}, false, homes, defaultCookiesName)
			if err != nil {
				t.Fatal(err)
			}
			got := footer(httptest.NewRequest(http.MethodGet, tt.path, nil), tt.lang)
			hasLang := strings.Contains(got, "noren-footer__item--lang")
			if tt.want == "" && hasLang || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("footer for %s should link the other language with %q:\n%s", tt.path, tt.want, got)
			}
		})
	}
}

func TestHomesLooksAgain(t *testing.T) {
	fsys := fstest.MapFS{"index.html": {Data: []byte(`<html lang="en"><body>root</body></html>`)}}
	homes := NewHomes(FolderOrigin(fsys), []string{"ja", "en"}, "ja")
	clock := clocktest.New(homes.now())
	homes.now = clock.Now
	ctx := context.Background()
	if got := homes.Home(ctx, "en"); got != "/" {
		t.Fatalf("Home(en) = %q before the folder exists", got)
	}
	fsys["en/index.html"] = &fstest.MapFile{Data: []byte("<html lang=en>")}
	if got := homes.Home(ctx, "en"); got != "/" {
		t.Errorf("Home(en) = %q within the time an answer is kept", got)
	}
	clock.Advance(folderHomesTTL)
	if got := homes.Home(ctx, "en"); got != "/en/" {
		t.Errorf("Home(en) = %q once the answer expired, want /en/", got)
	}
}

func TestHTMLLang(t *testing.T) {
	tests := []struct{ page, want string }{
		{`<!DOCTYPE html><html lang="ja"><head>`, "ja"},
		{"\n<!-- c --><html class=x lang=en-GB>", "en-GB"},
		{`<html><head lang="ja">`, ""},
		{`<p lang="ja">`, ""},
		{`text<html lang="ja">`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := htmlLang([]byte(tt.page)); got != tt.want {
			t.Errorf("htmlLang(%q) = %q, want %q", tt.page, got, tt.want)
		}
	}
}

// TestProxyCatchAllUpstream checks that an upstream answering every path
// with its page, as a single-page application's server does, is not taken
// for a site with language folders: its root page is served, not
// redirected to a folder that only seems to exist.
func TestProxyCatchAllUpstream(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html lang="en"><title>App</title><body><div id="app">Single-page app</div></body></html>`)
	}))
	t.Cleanup(up.Close)
	opt := testOptions()
	opt.RedirectRoot = true
	srv := proxyServer(t, up.URL, opt)
	resp, body := fetch(t, srv, http.MethodGet, "/", "Accept-Language: ja")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Single-page app") {
		t.Errorf("GET / = %d (Location %q), want the root page:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}
