package scan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// siteServer serves testdata/site with a robots.txt and a sitemap, and
// counts the requests for each path.
func siteServer(t *testing.T, robots string) (*httptest.Server, map[string]*atomic.Int32) {
	t.Helper()
	hits := map[string]*atomic.Int32{}
	for _, p := range []string{"/", "/about/", "/sjis.html", "/secret.html", "/robots.txt", "/sitemap.xml", "/gone.html"} {
		hits[p] = &atomic.Int32{}
	}
	files := http.FileServer(http.Dir("testdata/site"))
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		hits["/robots.txt"].Add(1)
		w.Write([]byte(robots))
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		hits["/sitemap.xml"].Add(1)
		base := "http://" + r.Host
		w.Write([]byte(`<urlset><url><loc>` + base + `/sjis.html</loc></url><url><loc>` + base + `/secret.html</loc></url><url><loc>` + base + `/gone.html</loc></url><url><loc>https://elsewhere.example/</loc></url></urlset>`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if c := hits[r.URL.Path]; c != nil {
			c.Add(1)
		}
		if r.URL.Path == "/sjis.html" {
			// A server that names the legacy charset in the header.
			w.Header().Set("Content-Type", "text/html; charset=Shift_JIS")
		}
		files.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestCrawl(t *testing.T) {
	srv, hits := siteServer(t, "User-agent: *\nDisallow: /secret\n")
	r, err := Crawl(context.Background(), srv.URL+"/", CrawlOptions{Client: srv.Client(), Self: []string{"www.example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range r.Pages {
		paths = append(paths, p.Path)
	}
	if want := []string{"/", "/about/", "/sjis.html"}; !slices.Equal(paths, want) {
		t.Errorf("pages = %v, want %v", paths, want)
	}
	if len(r.Problems) != 1 || r.Problems[0].Path != "/gone.html" || !strings.Contains(r.Problems[0].Err, "404") {
		t.Errorf("problems = %+v, want /gone.html not found", r.Problems)
	}
	if n := hits["/secret.html"].Load(); n != 0 {
		t.Errorf("fetched /secret.html %d times though robots.txt disallows it", n)
	}
	var hosts []string
	for _, h := range r.Hosts() {
		hosts = append(hosts, h.Host)
	}
	if !slices.Equal(hosts, fixtureHosts) {
		t.Errorf("hosts:\n got %v\nwant %v", hosts, fixtureHosts)
	}
}

func TestCrawlLimits(t *testing.T) {
	srv, hits := siteServer(t, "")
	r, err := Crawl(context.Background(), srv.URL, CrawlOptions{Client: srv.Client(), MaxPages: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pages)+len(r.Problems) != 2 || !r.Truncated {
		t.Errorf("%d pages, %d problems, truncated %v; want 2 in all, truncated", len(r.Pages), len(r.Problems), r.Truncated)
	}
	if hits["/about/"].Load() != 0 {
		t.Error("fetched a page beyond the limit")
	}
	if _, err := Crawl(context.Background(), "ftp://example.com/", CrawlOptions{}); err == nil {
		t.Error("an ftp URL was accepted")
	}
}

func TestCrawlStaysOnHost(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to the other host: %s", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<a href="/away">away</a><a href="` + other.URL + `/page">other</a>`))
		case "/away":
			http.Redirect(w, r, other.URL+"/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	r, err := Crawl(context.Background(), srv.URL, CrawlOptions{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pages) != 1 || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Err, "another host") {
		t.Errorf("pages %+v, problems %+v", r.Pages, r.Problems)
	}
}

// chainServer serves a chain of pages, / → /a → /b → /c, and a sitemap
// listing /s, which links to /t.
func chainServer(t *testing.T) *httptest.Server {
	t.Helper()
	links := map[string]string{"/": "/a", "/a": "/b", "/b": "/c", "/c": "", "/s": "/t", "/t": ""}
	mux := http.NewServeMux()
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<urlset><url><loc>http://` + r.Host + `/s</loc></url></urlset>`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		next, ok := links[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		body := "<!doctype html><title>page</title>"
		if next != "" {
			body += `<a href="` + next + `">next</a>`
		}
		w.Write([]byte(body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCrawlDepth(t *testing.T) {
	srv := chainServer(t)
	tests := []struct {
		depth     int
		want      []string
		truncated bool
	}{
		{0, []string{"/", "/a", "/b", "/c", "/s", "/t"}, false},
		{1, []string{"/", "/a", "/s"}, true},
		{2, []string{"/", "/a", "/b", "/s", "/t"}, true},
		{3, []string{"/", "/a", "/b", "/c", "/s", "/t"}, false},
	}
	for _, tt := range tests {
		r, err := Crawl(context.Background(), srv.URL+"/", CrawlOptions{Client: srv.Client(), Depth: tt.depth})
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, p := range r.Pages {
			paths = append(paths, p.Path)
		}
		if !slices.Equal(paths, tt.want) || r.Truncated != tt.truncated {
			t.Errorf("Depth %d: pages %v, truncated %v; want %v, truncated %v", tt.depth, paths, r.Truncated, tt.want, tt.truncated)
		}
	}
}
