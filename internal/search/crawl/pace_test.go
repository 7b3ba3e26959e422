package crawl

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// span is when the upstream began and finished answering one request.
type span struct {
	uri        string
	start, end time.Time
}

// TestWalkCrawlDelaySiteWide checks that a robots.txt Crawl-delay paces
// the whole crawl, not each worker: with four workers no two requests are
// ever answered at once, and the walk lasts at least a delay per request.
func TestWalkCrawlDelaySiteWide(t *testing.T) {
	const delay = 30 * time.Millisecond
	var mu sync.Mutex
	var spans []span
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := span{uri: r.URL.RequestURI(), start: time.Now()}
		defer func() {
			s.end = time.Now()
			mu.Lock()
			spans = append(spans, s)
			mu.Unlock()
		}()
		// Long enough that workers starting together would overlap.
		time.Sleep(5 * time.Millisecond)
		switch r.URL.Path {
		case "/robots.txt":
			io.WriteString(w, "User-agent: *\nCrawl-delay: 0.03\n")
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/a">a</a><a href="/b">b</a><a href="/c">c</a><a href="/d">d</a><a href="/e">e</a>`)
		case "/a", "/b", "/c", "/d", "/e":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `page`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	start := time.Now()
	items, err := walk(t, Options{Base: base, Concurrency: 4})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/a", "/b", "/c", "/d", "/e")
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start.Before(spans[i-1].end) {
			t.Errorf("%s began before %s ended", spans[i].uri, spans[i-1].uri)
		}
	}
	// Request starts are spaced on the crawler's side, so the walk cannot
	// be shorter than the gaps between them.
	if min := time.Duration(len(spans)-1) * delay; took < min {
		t.Errorf("%d requests took %v, less than %v", len(spans), took, min)
	}
}

// TestWalkDelayPerWorker checks that without a Crawl-delay the workers
// do run at once: search.crawl_delay is each worker's own pause.
func TestWalkDelayPerWorker(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	release := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/a">a</a><a href="/b">b</a>`)
			return
		case "/a", "/b":
		default:
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == 2 {
			once.Do(func() { close(release) })
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(2 * time.Second):
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `page`)
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	items, err := walk(t, Options{Base: base, Concurrency: 2, Delay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths(t, items, "/", "/a", "/b")
	mu.Lock()
	defer mu.Unlock()
	if most != 2 {
		t.Errorf("at most %d requests at once, want 2", most)
	}
}
