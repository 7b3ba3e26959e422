package visit

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/browsertest"
)

// BenchmarkRun visits 30 small pages with a banner, a script and an
// image in the four states, and reports pages per second over all states.
func BenchmarkRun(b *testing.B) {
	const n = 30
	mux := http.NewServeMux()
	srv := serveOn(b, "127.0.0.1:0", mux)
	mux.HandleFunc("/site.js", script(siteJS, "http://127.0.0.1:9"))
	mux.HandleFunc("/logo.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`)
	})
	mux.HandleFunc("/p/{n}", htmlPage(bannerHTML+`<h1>Page</h1><img src="/logo.svg" alt=""><script src="/site.js"></script>`))
	pages := make([]string, n)
	for i := range pages {
		pages[i] = fmt.Sprintf("%s/p/%d", srv.URL, i)
	}
	opt := Options{Pages: pages, Browser: browsertest.Path(b), HostResolverRules: "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"}
	var visited int
	var took time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := Run(context.Background(), opt)
		if err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		for _, sr := range res.States {
			if !sr.Reached {
				b.Fatalf("%s not reached: %s", sr.State, sr.Note)
			}
			visited += len(sr.Pages)
		}
	}
	b.ReportMetric(float64(visited)/took.Seconds(), "pages/s")
}
