package history_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRunner checks that runs are kept whether they succeed or fail, each
// completion on record in the audit trail, one run at a time.
func TestRunner(t *testing.T) {
	db := storetest.SQLite(t)
	st := newStore(t, db)
	trail := audit.New(db)
	now := clock
	release := make(chan struct{})
	results := []error{nil, errors.New("crawl https://www.example.jp/: connection refused")}
	calls := 0
	r, err := history.NewRunner(t.Context(), history.RunnerOptions{
		Store: st, URL: "https://www.example.jp/", Trail: trail,
		ManifestHash: func() string { return manifestHash },
		Now:          func() time.Time { return now },
		Scan: func(ctx context.Context) (*verdict.Report, error) {
			<-release
			err := results[calls]
			calls++
			if err != nil {
				return nil, err
			}
			return sampleReport(staleTool), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	if !r.Start() {
		t.Fatal("Start refused the first run")
	}
	if r.Start() || !r.Running() {
		t.Fatal("a second run started beside the first")
	}
	// The schedule does nothing while the console's run is under way.
	if err := r.Scheduled(t.Context()); err != nil {
		t.Fatal(err)
	}
	release <- struct{}{}
	waitIdle(t, r)

	go func() { release <- struct{}{} }()
	if err := r.Scheduled(t.Context()); err != nil {
		t.Fatal(err)
	}
	runs, err := st.List(t.Context(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs kept, want 2", len(runs))
	}
	failed, ok := runs[0], runs[1]
	if ok.Status != history.StatusOK || ok.StartedBy != history.ByConsole || ok.Warnings != 1 || !ok.Clean {
		t.Errorf("the console's run: %+v", ok)
	}
	if failed.Status != history.StatusFailed || failed.StartedBy != history.BySchedule || !strings.Contains(failed.Error, "connection refused") ||
		failed.ManifestHash != manifestHash || failed.URL != "https://www.example.jp/" {
		t.Errorf("the failed run: %+v", failed)
	}
	entries, err := trail.List(t.Context(), audit.Filter{Action: "scan.complete", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d completions on record, want 2", len(entries))
	}
	byOutcome := map[audit.Outcome]audit.Entry{}
	for _, e := range entries {
		byOutcome[e.Outcome] = e
	}
	if e := byOutcome[audit.OK]; e.Actor != "system" || e.Detail["warnings"] != "1" || e.Detail["violations"] != "0" || e.Detail["started_by"] != "console" {
		t.Errorf("the completion of the run: %+v", e)
	}
	if e := byOutcome[audit.Failed]; e.Detail["status"] != "failed" {
		t.Errorf("the completion of the failed run: %+v", e)
	}

	// ScheduledIfDue scans only once the latest run is older than the
	// interval.
	if err := r.ScheduledIfDue(t.Context(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("a scan ran %d times, want 2: the last run is recent", calls)
	}
	now = now.Add(2 * time.Hour)
	results = append(results, nil)
	go func() { release <- struct{}{} }()
	if err := r.ScheduledIfDue(t.Context(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("a scan ran %d times, want 3: the last run is older than the interval", calls)
	}
}

// TestRunnerStopped checks that a run the server's stop cuts short is not
// kept, and that Start refuses once the runner is closed.
func TestRunnerStopped(t *testing.T) {
	st := newStore(t, storetest.SQLite(t))
	r, err := history.NewRunner(t.Context(), history.RunnerOptions{Store: st,
		Scan: func(ctx context.Context) (*verdict.Report, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Start() {
		t.Fatal("Start refused")
	}
	r.Close()
	if r.Start() {
		t.Error("Start after Close started a run")
	}
	if runs, err := st.List(t.Context(), 10, 0); err != nil || len(runs) != 0 {
		t.Errorf("runs kept: %d, %v", len(runs), err)
	}
}

// waitIdle waits until r has no run under way.
func waitIdle(t *testing.T, r *history.Runner) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.Running() {
		if time.Now().After(deadline) {
			t.Fatal("the run does not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
