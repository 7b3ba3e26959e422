package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/scan/visit"
)

// TestRun scans a site of four pages in a line, from its second page,
// with a limit of three pages: the start page comes first, the crawl says
// it stopped at the limit, and the progress goes through the crawl, then
// every page visit.
func TestRun(t *testing.T) {
	path := browsertest.Path(t)
	next := map[string]string{"/": "/a", "/a": "/b", "/b": "/c", "/c": ""}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, ok := next[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>%s</title><a href="/">home</a> <a href="%s">next</a>`, r.URL.Path, n)
	}))
	t.Cleanup(srv.Close)

	type call struct {
		stage       string
		done, total int
	}
	var mu sync.Mutex
	var calls []call
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := Run(ctx, Options{
		URL:   srv.URL + "/a",
		Pages: 3,
		Visit: visit.Options{
			Browser:           path,
			States:            []visit.State{visit.NoChoice},
			HostResolverRules: "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		},
		Version: "test",
		Progress: func(stage string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, call{stage, done, total})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{srv.URL + "/a", srv.URL + "/", srv.URL + "/b"}; !slices.Equal(r.Pages, want) {
		t.Errorf("pages %v, want %v", r.Pages, want)
	}
	if !r.Truncated || r.Version != "test" || r.Observations == nil || len(r.States) != 1 || !r.States[0].Reached || r.States[0].Pages != 3 {
		t.Errorf("report: truncated %v, version %q, states %+v; want truncated, version test, one state of 3 pages", r.Truncated, r.Version, r.States)
	}
	if len(calls) < 3 || calls[0] != (call{StageCrawl, 0, 0}) || calls[1] != (call{StageCrawl, 3, 3}) || calls[len(calls)-1] != (call{StageVisit, 3, 3}) {
		t.Errorf("progress %v, want the crawl's start and end, then the visits up to 3 of 3", calls)
	}
}
