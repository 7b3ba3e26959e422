package scan

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCrawlHugeSitemaps crawls a site whose sitemap index names as many
// sitemaps as a crawl reads, each as long as it reads, listing about two
// million pages in all: the crawl of a few pages keeps no more of them
// than it may visit soon, so its memory stays small.
func TestCrawlHugeSitemaps(t *testing.T) {
	if testing.Short() {
		t.Skip("serves 100 MB of sitemaps")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", http.NotFound)
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<sitemapindex>")
		for i := range maxSitemaps {
			fmt.Fprintf(w, "<sitemap><loc>http://%s/s%d.xml</loc></sitemap>", r.Host, i)
		}
		fmt.Fprint(w, "</sitemapindex>")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".xml") {
			var b strings.Builder
			b.WriteString("<urlset>")
			for i := 0; b.Len() < maxSitemapSize; i++ {
				fmt.Fprintf(&b, "<url><loc>http://%s%s/p%d</loc></url>", r.Host, strings.TrimSuffix(r.URL.Path, ".xml"), i)
			}
			w.Write([]byte(b.String()))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>p</title><p>page</p>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	r, err := Crawl(t.Context(), srv.URL+"/", CrawlOptions{MaxPages: 5})
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d pages, truncated %v, peak heap %d MB", len(r.Pages), r.Truncated, peak>>20)
	if len(r.Pages) != 5 || !r.Truncated {
		t.Errorf("%d pages, truncated %v; want 5, truncated", len(r.Pages), r.Truncated)
	}
	if peak > 200<<20 {
		t.Errorf("the crawl's heap grew to %d MB", peak>>20)
	}
}
