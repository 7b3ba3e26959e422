package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/search"
)

// resp is one canned answer of a test upstream.
type resp struct {
	status int
	ct     string
	body   string
	header map[string]string
}

func htmlPage(body string) resp {
	return resp{ct: "text/html; charset=utf-8", body: "<!DOCTYPE html><html><body>" + body + "</body></html>"}
}

func redirect(to string) resp {
	return resp{status: http.StatusFound, header: map[string]string{"Location": to}}
}

// upstream is a loopback server answering from a table of request URIs
// and counting what it was asked.
type upstream struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]resp
	hits   map[string]int
	agents map[string]bool
}

func newUpstream(t *testing.T, routes map[string]resp) *upstream {
	t.Helper()
	u := &upstream{routes: routes, hits: map[string]int{}, agents: map[string]bool{}}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.hits[r.URL.RequestURI()]++
		u.agents[r.UserAgent()] = true
		rs, ok := u.routes[r.URL.RequestURI()]
		u.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range rs.header {
			w.Header().Set(k, strings.ReplaceAll(v, "{{host}}", r.Host))
		}
		if rs.ct != "" {
			w.Header().Set("Content-Type", rs.ct)
		}
		w.WriteHeader(cmpOr(rs.status, http.StatusOK))
		io.WriteString(w, rs.body)
	}))
	t.Cleanup(u.Close)
	return u
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func (u *upstream) hitCount(uri string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[uri]
}

func (u *upstream) totalHits() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, c := range u.hits {
		n += c
	}
	return n
}

func (u *upstream) baseURL(t *testing.T) *url.URL {
	t.Helper()
	b, err := url.Parse(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// walk crawls opt's upstream and returns the items by path.
func walk(t *testing.T, opt Options) (map[string]search.Item, error) {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]search.Item{}
	err = c.Walk(t.Context(), func(it search.Item) error {
		if _, dup := items[it.Path]; dup {
			t.Errorf("item %s given twice", it.Path)
		}
		items[it.Path] = it
		return nil
	})
	return items, err
}

func paths(items map[string]search.Item) []string {
	var out []string
	for p := range items {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func wantPaths(t *testing.T, items map[string]search.Item, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := paths(items); !slices.Equal(got, want) {
		t.Errorf("items = %q, want %q", got, want)
	}
}

func TestWalkSitemapAndLinks(t *testing.T) {
	pdf := "%PDF-1.4 test"
	up := newUpstream(t, map[string]resp{
		"/robots.txt": {ct: "text/plain", body: "User-agent: *\nDisallow:\nSitemap: /sitemap.xml\n"},
		"/sitemap.xml": {ct: "application/xml", body: `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{base}}/ja/only-in-sitemap/</loc></url>
<url><loc>https://elsewhere.example/ja/</loc></url>
</urlset>`},
		"/": htmlPage(`<a href="/ja/">日本語</a> <a href="en/#top">English</a> <a href="mailto:x@example.jp">mail</a>
<a href="javascript:void(0)">js</a> <a href="/style.css">css</a> <a href="/files/guide.pdf">PDF</a>`),
		"/ja/": {ct: "text/html", body: `<link rel="alternate" hreflang="en" href="/en/"><a href="./news/?id=1">news</a>`,
			header: map[string]string{"Last-Modified": "Mon, 07 Dec 2026 10:00:00 GMT"}},
		"/en/":                 htmlPage(`<a href="../ja/news/../">back</a>`),
		"/ja/news/?id=1":       htmlPage(`news`),
		"/ja/only-in-sitemap/": htmlPage(`sitemap`),
		"/files/guide.pdf":     {ct: "application/pdf", body: pdf},
	})
	// The sitemap names the upstream by its address, known only now.
	r := up.routes["/sitemap.xml"]
	r.body = strings.ReplaceAll(r.body, "{{base}}", up.URL)
	up.routes["/sitemap.xml"] = r

	items, err := walk(t, Options{Base: up.baseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/ja/", "/en/", "/ja/news/?id=1", "/ja/only-in-sitemap/", "/files/guide.pdf")

	doc := items["/files/guide.pdf"]
	sum := sha256.Sum256([]byte(pdf))
	if doc.Version != hex.EncodeToString(sum[:]) || doc.ContentType != "application/pdf" {
		t.Errorf("pdf item = %+v", doc)
	}
	rc, err := doc.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != pdf {
		t.Errorf("pdf body = %q", b)
	}
	if got := items["/ja/"].ModTime; !got.Equal(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("ModTime = %v", got)
	}
	if up.hitCount("/style.css") != 0 {
		t.Error("a stylesheet was fetched")
	}
	if !up.agents[DefaultUserAgent] || len(up.agents) != 1 {
		t.Errorf("user agents = %v", up.agents)
	}
}

func TestWalkRobots(t *testing.T) {
	tests := []struct {
		name    string
		robots  resp
		want    []string
		wantErr bool
	}{
		{
			name:   "disallow for everyone",
			robots: resp{ct: "text/plain", body: "User-agent: *\nDisallow: /private/\n"},
			want:   []string{"/", "/public/"},
		},
		{
			name:   "own group wins over the star group",
			robots: resp{ct: "text/plain", body: "User-agent: *\nDisallow: /\n\nUser-agent: Noren\nDisallow: /private/\nAllow: /private/open$\n"},
			want:   []string{"/", "/public/", "/private/open"},
		},
		{
			name:   "another crawler's rules do not apply",
			robots: resp{ct: "text/plain", body: "User-agent: otherbot\nDisallow: /\n"},
			want:   []string{"/", "/public/", "/private/", "/private/open"},
		},
		{
			name:   "missing robots.txt allows everything",
			robots: resp{status: http.StatusNotFound},
			want:   []string{"/", "/public/", "/private/", "/private/open"},
		},
		{
			name:    "server error crawls nothing",
			robots:  resp{status: http.StatusInternalServerError},
			wantErr: true,
		},
		{
			name:    "too many requests crawls nothing",
			robots:  resp{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "0"}},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, map[string]resp{
				"/robots.txt":   tt.robots,
				"/":             htmlPage(`<a href="/public/">p</a><a href="/private/">x</a><a href="/private/open">o</a>`),
				"/public/":      htmlPage(`public`),
				"/private/":     htmlPage(`private`),
				"/private/open": htmlPage(`open`),
			})
			items, err := walk(t, Options{Base: up.baseURL(t)})
			if tt.wantErr {
				if !errors.Is(err, ErrRobotsUnavailable) || !strings.Contains(err.Error(), "robots.txt") {
					t.Fatalf("err = %v, want one naming robots.txt", err)
				}
				if n := up.totalHits() - up.hitCount("/robots.txt"); n != 0 {
					t.Errorf("%d requests after robots.txt failed", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantPaths(t, items, tt.want...)
			for _, p := range []string{"/private/", "/private/open"} {
				if !slices.Contains(tt.want, p) && up.hitCount(p) != 0 {
					t.Errorf("disallowed %s was fetched", p)
				}
			}
		})
	}
}

func TestWalkRobotsNetworkError(t *testing.T) {
	up := newUpstream(t, nil)
	base := up.baseURL(t)
	up.Close() // nothing listens there any more
	_, err := walk(t, Options{Base: base})
	if !errors.Is(err, ErrRobotsUnavailable) {
		t.Fatalf("err = %v, want ErrRobotsUnavailable", err)
	}
}

func TestWalkStaysOnOrigin(t *testing.T) {
	other := newUpstream(t, map[string]resp{"/": htmlPage(`other`), "/secret": htmlPage(`secret`)})
	otherURL := other.baseURL(t)
	up := newUpstream(t, map[string]resp{
		"/":      htmlPage(""), // filled below
		"/moved": redirect(other.URL + "/secret"),
		"/old":   redirect("/new"),
		"/new":   htmlPage("new"),
		"/loop1": redirect("/loop2"),
		"/loop2": redirect("/loop1"),
	})
	base := up.baseURL(t)
	localhost := "http://localhost:" + base.Port() + "/"
	up.routes["/"] = htmlPage(`<a href="` + other.URL + `/">other port</a>
<a href="http://` + otherURL.Host + `/secret">other</a>
<a href="https://` + base.Host + `/">other scheme</a>
<a href="` + localhost + `">other host name</a>
<a href="/moved">moved</a> <a href="/old">old</a> <a href="/loop1">loop</a>`)

	items, err := walk(t, Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/new")
	if n := other.totalHits(); n != 0 {
		t.Errorf("the other server got %d requests: %v", n, other.hits)
	}
	if n := up.hitCount("/loop1"); n != 1 {
		t.Errorf("/loop1 fetched %d times", n)
	}
	if n := up.hitCount("/new"); n != 1 {
		t.Errorf("/new fetched %d times, want once (through /old)", n)
	}
}

func TestWalkVisitsOnce(t *testing.T) {
	up := newUpstream(t, map[string]resp{
		"/":  htmlPage(`<a href="/a">a</a><a href="/a#x">a</a><a href="./a">a</a><a href="/b/../a">a</a><a href="b">b</a>`),
		"/a": htmlPage(`<a href="/">home</a><a href="/b">b</a><a href="/a">self</a>`),
	})
	up.routes["/b"] = htmlPage(`<a href="/a">a</a><a href="/">home</a><a href="//` + up.Listener.Addr().String() + `/b">b</a>`)
	items, err := walk(t, Options{Base: up.baseURL(t), Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/a", "/b")
	for uri, n := range up.hits {
		if n != 1 {
			t.Errorf("%s fetched %d times", uri, n)
		}
	}
}

func TestWalkMaxPages(t *testing.T) {
	routes := map[string]resp{}
	var links strings.Builder
	for i := range 30 {
		p := "/p" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		links.WriteString(`<a href="` + p + `">x</a>`)
		routes[p] = htmlPage(`<a href="/">home</a>`)
	}
	routes["/"] = htmlPage(links.String())
	up := newUpstream(t, routes)
	items, err := walk(t, Options{Base: up.baseURL(t), MaxPages: 5, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Errorf("%d items, want 5", len(items))
	}
	if n := up.totalHits(); n > 1+5+1 { // robots.txt, the pages, sitemap.xml
		t.Errorf("%d requests for 5 pages", n)
	}
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWalkSitemapIndexGzip(t *testing.T) {
	up := newUpstream(t, nil)
	up.routes = map[string]resp{
		"/robots.txt": {ct: "text/plain", body: "Sitemap: " + up.URL + "/sitemap_index.xml\n"},
		"/sitemap_index.xml": {ct: "application/xml", body: `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>` + up.URL + `/sitemaps/pages.xml.gz</loc></sitemap>
<sitemap><loc>http://elsewhere.invalid/sitemap.xml</loc></sitemap>
</sitemapindex>`},
		"/sitemaps/pages.xml.gz": {ct: "application/gzip", body: gzipped(t, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>`+up.URL+`/deep/one/</loc></url><url><loc>`+up.URL+`/deep/two.pdf</loc></url></urlset>`)},
		"/":             htmlPage("no links"),
		"/deep/one/":    htmlPage("one"),
		"/deep/two.pdf": {ct: "application/pdf", body: "%PDF-1.7"},
	}
	items, err := walk(t, Options{Base: up.baseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/deep/one/", "/deep/two.pdf")
	if up.hitCount("/sitemap.xml") != 0 {
		t.Error("/sitemap.xml fetched though robots.txt names a sitemap")
	}
}

func TestWalkNoFollow(t *testing.T) {
	up := newUpstream(t, map[string]resp{
		"/":         htmlPage(`<a href="/follow">f</a><a rel="external NoFollow" href="/nofollow">n</a><a href="/tagged">t</a>`),
		"/follow":   resp{ct: "text/html", body: `<head><meta name="robots" content="noindex, nofollow"></head><a href="/hidden">h</a>`},
		"/nofollow": htmlPage("n"),
		"/hidden":   htmlPage("h"),
		"/tagged":   {ct: "text/html", body: `<a href="/via-tag">h</a>`, header: map[string]string{"X-Robots-Tag": "noindex"}},
		"/via-tag":  htmlPage("v"),
	})
	items, err := walk(t, Options{Base: up.baseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	// A page with a noindex meta tag is still given: the indexer reads
	// the tag and drops it. The X-Robots-Tag header is only seen here.
	wantPaths(t, items, "/", "/follow", "/via-tag")
	for _, p := range []string{"/nofollow", "/hidden"} {
		if up.hitCount(p) != 0 {
			t.Errorf("%s was fetched", p)
		}
	}
}

func TestWalkSkipsNonDocuments(t *testing.T) {
	big := strings.Repeat("a", maxHTMLSize+1)
	up := newUpstream(t, map[string]resp{
		"/": htmlPage(`<a href="/notes.txt">t</a><a href="/image">i</a><a href="/photo.JPG">p</a>
<a href="/archive.zip">z</a><a href="/big">big</a><a href="/ok">ok</a><a href="/missing">404</a><a href="/broken">500</a>`),
		"/broken":      {status: http.StatusInternalServerError, ct: "text/html", body: "oops"},
		"/notes.txt":   {ct: "text/plain", body: "text"},
		"/image":       {ct: "image/png", body: "\x89PNG"},
		"/photo.JPG":   {ct: "image/jpeg", body: "jpeg"},
		"/archive.zip": {ct: "application/zip", body: "zip"},
		"/big":         {ct: "text/html", body: big},
		"/ok":          htmlPage("ok"),
	})
	items, err := walk(t, Options{Base: up.baseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/ok", "/broken")
	// A server error is given as a document that fails to open, so the
	// index keeps the copy it has.
	broken := items["/broken"]
	if _, err := broken.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("Open of /broken: %v, want the 500", err)
	}
	if broken.Version == items["/ok"].Version || broken.Version == "" {
		t.Errorf("Version of /broken = %q", broken.Version)
	}
	for _, p := range []string{"/photo.JPG", "/archive.zip"} {
		if up.hitCount(p) != 0 {
			t.Errorf("%s was fetched", p)
		}
	}
}

func TestWalkExcludeAndBasePath(t *testing.T) {
	up := newUpstream(t, map[string]resp{
		"/site/":           htmlPage(`<a href="news/">n</a><a href="drafts/x">d</a><a href="/outside/">o</a><a href="/site/search?q=a">s</a>`),
		"/site/news/":      htmlPage("news"),
		"/site/drafts/x":   htmlPage("draft"),
		"/site/search?q=a": htmlPage("search"),
		"/outside/":        htmlPage("outside"),
	})
	base := up.baseURL(t).JoinPath("site")
	items, err := walk(t, Options{Base: base, Exclude: []string{"/drafts/*", "/search*"}})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/news/")
	for _, p := range []string{"/site/drafts/x", "/outside/", "/site/search?q=a"} {
		if up.hitCount(p) != 0 {
			t.Errorf("%s was fetched", p)
		}
	}
}

func TestWalkRetryAfter(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	items, err := walk(t, Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/")
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
}

func TestWalkCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/slow1">1</a><a href="/slow2">2</a>`)
		case "/slow1", "/slow2":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	base, _ := url.Parse(srv.URL)
	c, err := New(Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- c.Walk(ctx, func(search.Item) error { return nil })
	}()
	time.Sleep(200 * time.Millisecond) // the workers are now waiting on /slow1 and /slow2
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Walk did not return after cancellation")
	}
}

func TestWalkStopsAtCallbackError(t *testing.T) {
	up := newUpstream(t, map[string]resp{
		"/":  htmlPage(`<a href="/a">a</a><a href="/b">b</a>`),
		"/a": htmlPage("a"),
		"/b": htmlPage("b"),
	})
	c, err := New(Options{Base: up.baseURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("index full")
	calls := 0
	err = c.Walk(t.Context(), func(search.Item) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("err = %v after %d calls, want %v after 1", err, calls, stop)
	}
}

func TestNewRejects(t *testing.T) {
	for _, raw := range []string{"", "ftp://example.jp/", "/relative", "http://"} {
		var u *url.URL
		if raw != "" {
			u, _ = url.Parse(raw)
		}
		if _, err := New(Options{Base: u}); err == nil {
			t.Errorf("New(%q) succeeded", raw)
		}
	}
}

func TestWalkCrawlDelay(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			io.WriteString(w, "User-agent: *\nCrawl-delay: 0.2\n")
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/a">a</a>`)
		case "/a":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `a`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	items, err := walk(t, Options{Base: base, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/a")
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 190*time.Millisecond {
			t.Errorf("request %d followed the one before after %v", i, gap)
		}
	}
}
