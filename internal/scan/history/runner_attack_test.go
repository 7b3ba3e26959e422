package history_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRunningSparesRuns asks whether a scan is under way again and
// again, as the console's pages and the CSP endpoint do, while the
// schedule starts scans one after another: asking must never make a
// scheduled scan skip its turn.
func TestRunningSparesRuns(t *testing.T) {
	st := newStore(t, storetest.SQLite(t))
	var scans atomic.Int64
	r, err := history.NewRunner(t.Context(), history.RunnerOptions{
		Store: st, URL: "https://www.example.jp/",
		Scan: func(ctx context.Context) (*verdict.Report, error) {
			scans.Add(1)
			return sampleReport(), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					r.Running()
				}
			}
		})
	}
	const runs = 500
	for range runs {
		if err := r.Scheduled(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := scans.Load(); n != runs {
		t.Errorf("%d scans made of %d scheduled: asking whether one ran made the others skip", n, runs)
	}
}
