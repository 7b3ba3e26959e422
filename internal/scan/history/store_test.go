package history_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func newStore(t *testing.T, db *store.DB) *history.Store {
	t.Helper()
	s, err := history.NewStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// save stores run and returns its id.
func save(t *testing.T, s *history.Store, run history.Run) int64 {
	t.Helper()
	id, err := s.Save(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		if _, ok, err := s.Latest(ctx); ok || err != nil {
			t.Fatalf("Latest of no runs: ok %v, %v", ok, err)
		}
		dirty := sampleReport(undeclaredCookie, staleTool)
		first := save(t, s, history.Completed(clock, clock.Add(42*time.Second), history.BySchedule, dirty))
		failed := save(t, s, history.Failed(clock.Add(time.Hour), clock.Add(time.Hour+time.Second), "https://www.example.jp/",
			history.ByConsole, manifestHash, errors.New("crawl https://www.example.jp/: connection refused")))
		clean := save(t, s, history.Completed(clock.Add(2*time.Hour), clock.Add(2*time.Hour+30*time.Second), history.BySchedule, sampleReport()))

		got, err := s.Get(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != history.StatusOK || got.StartedBy != history.BySchedule || got.Pages != 2 || got.Violations != 1 ||
			got.Warnings != 1 || got.Clean || got.ManifestHash != manifestHash || !got.Started.Equal(clock) || got.URL != "https://www.example.jp/" {
			t.Errorf("Get(%d) = %+v", first, got)
		}
		if got.Report == nil || len(got.Report.Findings) != 2 || got.Report.Findings[0].Evidence[0].Initiator != "https://www.example.jp/app.js" {
			t.Errorf("Get(%d) report = %+v", first, got.Report)
		}
		f, err := s.Get(ctx, failed)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != history.StatusFailed || f.Report != nil || !strings.Contains(f.Error, "connection refused") || f.StartedBy != history.ByConsole {
			t.Errorf("Get(%d) of a failed run = %+v", failed, f)
		}
		if _, err := s.Get(ctx, clean+100); !errors.Is(err, history.ErrNotFound) {
			t.Errorf("Get of an unknown run: %v, want ErrNotFound", err)
		}

		runs, err := s.List(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ids := runIDs(runs); !slices.Equal(ids, []int64{clean, failed, first}) {
			t.Errorf("List = %v, want newest first", ids)
		}
		if runs[0].Report != nil {
			t.Error("List returns reports")
		}
		older, err := s.List(ctx, 1, clean)
		if err != nil {
			t.Fatal(err)
		}
		if ids := runIDs(older); !slices.Equal(ids, []int64{failed}) {
			t.Errorf("List(1, before %d) = %v", clean, ids)
		}
		latest, ok, err := s.Latest(ctx)
		if err != nil || !ok || latest.ID != clean || !latest.Clean {
			t.Errorf("Latest = %+v, %v, %v", latest, ok, err)
		}
		prev, ok, err := s.Previous(ctx, clean)
		if err != nil || !ok || prev.ID != first {
			t.Errorf("Previous(%d) = %d, %v, %v; want %d, skipping the failed run", clean, prev.ID, ok, err, first)
		}
		if _, ok, err := s.Previous(ctx, first); ok || err != nil {
			t.Errorf("Previous of the first run: ok %v, %v", ok, err)
		}
	})
}

func TestPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		if err := s.Prune(ctx); err != nil {
			t.Fatalf("Prune of no runs: %v", err)
		}
		var ids []int64
		for i := range history.Keep + 5 {
			at := clock.Add(time.Duration(i) * time.Hour)
			ids = append(ids, save(t, s, history.Failed(at, at, "https://www.example.jp/", history.BySchedule, "", errors.New("no"))))
		}
		if err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		runs, err := s.List(ctx, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != history.Keep || runs[len(runs)-1].ID != ids[5] || runs[0].ID != ids[len(ids)-1] {
			t.Errorf("after Prune: %d runs from %d to %d, want %d from %d", len(runs), runs[len(runs)-1].ID, runs[0].ID, history.Keep, ids[5])
		}
	})
}

func TestVerified(t *testing.T) {
	unreached := sampleReport()
	unreached.States[2].Reached = false
	tests := []struct {
		name   string
		runs   []*verdict.Report // nil stands for a failed run
		hash   string
		wantOK bool
	}{
		{"no scan", nil, manifestHash, false},
		{"clean", []*verdict.Report{sampleReport()}, manifestHash, true},
		{"another manifest", []*verdict.Report{sampleReport()}, strings.Repeat("0", 64), false},
		{"violations", []*verdict.Report{sampleReport(), sampleReport(earlyScript)}, manifestHash, false},
		{"warnings only", []*verdict.Report{sampleReport(staleTool)}, manifestHash, true},
		{"a state not reached", []*verdict.Report{unreached}, manifestHash, false},
		{"clean, then a failed run", []*verdict.Report{sampleReport(), nil}, manifestHash, true},
		{"fixed since", []*verdict.Report{sampleReport(earlyScript), sampleReport()}, manifestHash, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, storetest.SQLite(t))
			var lastOK time.Time
			for i, r := range tt.runs {
				at := clock.Add(time.Duration(i) * time.Hour)
				if r == nil {
					save(t, s, history.Failed(at, at.Add(time.Minute), "https://www.example.jp/", history.BySchedule, manifestHash, errors.New("browser crashed")))
					continue
				}
				lastOK = at.Add(time.Minute)
				save(t, s, history.Completed(at, lastOK, history.BySchedule, r))
			}
			when, ok, err := s.Verified(t.Context(), tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK || (ok && !when.Equal(lastOK)) {
				t.Errorf("Verified = %v, %v; want %v, %v", when, ok, tt.wantOK, lastOK)
			}
		})
	}
}

// TestBoundReport checks that a report whose observations are too big is
// kept without them, saying so, and that its findings stay whole.
func TestBoundReport(t *testing.T) {
	s := newStore(t, storetest.SQLite(t))
	big := sampleReport(undeclaredCookie)
	big.Observations = &visit.Result{Start: big.URL}
	page := visit.Page{URL: big.URL}
	for i := range 30_000 {
		page.Requests = append(page.Requests, visit.Request{URL: "https://tags.example.net/collect?n=" + strings.Repeat("x", 40) + string(rune('a'+i%26)), Host: "tags.example.net", Type: "Image"})
	}
	big.Observations.States = []visit.StateResult{{State: visit.NoChoice, Reached: true, Pages: []visit.Page{page}}}
	id := save(t, s, history.Completed(clock, clock.Add(time.Minute), history.BySchedule, big))
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Report.Observations != nil {
		t.Error("observations over the bound were kept")
	}
	if !strings.Contains(got.Report.States[0].Note, "observations not kept") {
		t.Errorf("the state notes do not say the observations were dropped: %q", got.Report.States[0].Note)
	}
	if len(got.Report.Findings) != 1 || len(got.Report.Findings[0].Evidence) != 1 {
		t.Errorf("findings changed: %+v", got.Report.Findings)
	}

	small := sampleReport()
	small.Observations = &visit.Result{Start: small.URL}
	id = save(t, s, history.Completed(clock, clock.Add(time.Minute), history.BySchedule, small))
	if got, err := s.Get(t.Context(), id); err != nil || got.Report.Observations == nil || got.Report.States[0].Note != "" {
		t.Errorf("a small report was cut: %v", err)
	}
}

func runIDs(runs []history.Run) []int64 {
	var out []int64
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}
