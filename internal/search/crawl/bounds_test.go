package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/search"
)

// drip writes head, then one byte every few milliseconds until the
// client goes away: an upstream that never finishes an answer.
func drip(w http.ResponseWriter, r *http.Request, ct, head string) {
	w.Header().Set("Content-Type", ct)
	io.WriteString(w, head)
	for {
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
		io.WriteString(w, " ")
	}
}

// walkWithin is walk with the crawler's own bound on a request's time
// set to requestTime, failing when the walk outlasts limit.
func walkWithin(t *testing.T, opt Options, requestTime, limit time.Duration) (map[string]search.Item, error) {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	c.requestTime = requestTime
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	items := map[string]search.Item{}
	err = c.Walk(ctx, func(it search.Item) error {
		items[it.Path] = it
		return nil
	})
	if ctx.Err() != nil {
		t.Fatalf("the walk outlasted %v", limit)
	}
	return items, err
}

// TestWalkSlowDripBody checks that a page whose body never ends holds a
// worker only for the bound on a request's time, even with a client that
// sets none, and is given as unavailable so the index keeps its copy.
func TestWalkSlowDripBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/drip">d</a>`)
		case "/drip":
			drip(w, r, "text/html", "<html><body>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	items, err := walkWithin(t, Options{Base: base, Client: &http.Client{}}, 300*time.Millisecond, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/drip")
	if v := items["/drip"].Version; v != unavailableVersion {
		t.Errorf("Version of /drip = %q, want %q", v, unavailableVersion)
	}
}

// TestWalkRobotsCutShort checks that a robots.txt whose answer breaks
// off is not read as the rules before the break, which could lack the
// Disallow lines that follow.
func TestWalkRobotsCutShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			drip(w, r, "text/plain", "User-agent: *\nAllow: /\n")
		default:
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `page`)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	_, err := walkWithin(t, Options{Base: base}, 300*time.Millisecond, 10*time.Second)
	if !errors.Is(err, ErrRobotsUnavailable) {
		t.Fatalf("err = %v, want ErrRobotsUnavailable", err)
	}
}

// TestWalkSitemapsBounded checks that sitemaps listing more pages than
// the crawl can remember are not all fetched and held: reading stops
// once the frontier is full.
func TestWalkSitemapsBounded(t *testing.T) {
	up := newUpstream(t, nil)
	routes := map[string]resp{
		"/robots.txt": {ct: "text/plain", body: "Sitemap: " + up.URL + "/index.xml\n"},
		"/":           htmlPage("home"),
	}
	var index strings.Builder
	index.WriteString(`<sitemapindex>`)
	for i := range 3 {
		fmt.Fprintf(&index, `<sitemap><loc>%s/s%d.xml</loc></sitemap>`, up.URL, i)
		var urls strings.Builder
		urls.WriteString(`<urlset>`)
		for j := range 50 {
			fmt.Fprintf(&urls, `<url><loc>%s/p%d-%d</loc></url>`, up.URL, i, j)
		}
		urls.WriteString(`</urlset>`)
		routes[fmt.Sprintf("/s%d.xml", i)] = resp{ct: "application/xml", body: urls.String()}
	}
	index.WriteString(`</sitemapindex>`)
	routes["/index.xml"] = resp{ct: "application/xml", body: index.String()}
	up.routes = routes
	if _, err := walk(t, Options{Base: up.baseURL(t), MaxPages: 1}); err != nil {
		t.Fatal(err)
	}
	if n := up.hitCount("/s1.xml") + up.hitCount("/s2.xml"); n != 0 {
		t.Errorf("%d sitemaps fetched after the frontier was full", n)
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// multiGzip is a gzip stream of n members each holding chunk: a small
// file that decodes to n times chunk, as a gzip bomb does.
func multiGzip(t *testing.T, chunk string, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, chunk)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(b.Bytes(), n)
}

// TestParseSitemapHostile checks that files built to exhaust memory end
// in an error, having cost little.
func TestParseSitemapHostile(t *testing.T) {
	tests := []struct {
		name string
		file []byte
	}{
		{"nested a million deep", []byte(strings.Repeat("<a>", 1_000_000))},
		{"one tag of a million attributes", []byte("<urlset><url" + strings.Repeat(` a=""`, 1_000_000) + ">")},
		{"text without end", []byte("<urlset>" + strings.Repeat("x", 8<<20))},
		{"gzip bomb", append(multiGzip(t, "<urlset>", 1), multiGzip(t, strings.Repeat(" ", 1<<20), 1024)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = parseSitemap(bytes.NewReader(tt.file)) })
			if err == nil {
				t.Error("read without error")
			}
			if n > 8<<20 {
				t.Errorf("allocated %d MiB", n>>20)
			}
		})
	}
}

// TestWalkGzipBombPage checks that a page sent with Content-Encoding gzip
// is bounded by its decoded size, however small the compressed body.
func TestWalkGzipBombPage(t *testing.T) {
	bomb := multiGzip(t, strings.Repeat("a", 1<<20), 2*maxHTMLSize>>20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/bomb">b</a>`)
		case "/bomb":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	items, err := walk(t, Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/")
}
