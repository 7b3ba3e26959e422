package analytics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/testenv"
)

// BenchmarkRollupDay measures rolling up one UTC day of 30,000 events on
// SQLite, what the hourly rollup of a site with a million events a month
// redoes at the end of each day.
func BenchmarkRollupDay(b *testing.B) {
	ctx := context.Background()
	db := storetest.SQLite(b)
	s := newTestStore(b, db)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	writeAll(b, s, generateEvents(b, 1, "demo.localhost", day, day.AddDate(0, 0, 1), 30_000), 1000)
	b.ReportAllocs()
	for b.Loop() {
		// Rewinding the marks makes every run redo the whole day.
		if _, err := db.ExecContext(ctx, `UPDATE analytics_sites SET rolled_until = $1`, day); err != nil {
			b.Fatal(err)
		}
		if err := rollUp(ctx, s, day.AddDate(0, 0, 2)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDayRollups checks every dashboard figure of the backends that roll
// up whole UTC days (ClickHouse) against those computed from the events,
// with part of the range rolled up, with all of it, after late events
// touched rolled days (read raw until the next rollup, and rolled up
// again by it), and after retention, when the rollups answer for the
// deleted days. TestDashboardMatchesGeneratedEvents checks the SQL
// store's rollups. As there, each stage checks a different quarter of the
// combinations of zone, range and case unless testenv.Full.
func TestDayRollups(t *testing.T) {
	if testing.Short() {
		t.Skip("an oracle over generated events, not a test of concurrency: run in full, without -short")
	}
	sampleOf := 4
	if testenv.Full() {
		sampleOf = 1
	}
	for _, o := range otherStores {
		t.Run(o.name, func(t *testing.T) {
			s := o.open(t)
			ctx := context.Background()
			events := generateEvents(t, 7, "demo.localhost", testFrom, testTo, 3000)
			var onTime, late []Event
			for i, e := range events {
				if i%10 == 0 {
					late = append(late, e)
				} else {
					onTime = append(onTime, e)
				}
			}
			writeAll(t, s, onTime, 500)
			writeAll(t, s, generateEvents(t, 8, "other.localhost", testFrom, testTo, 300), 300)
			rollup := func(now time.Time) {
				t.Helper()
				if err := rollUp(ctx, s, now); err != nil {
					t.Fatal(err)
				}
			}

			check := func(stage string, part int, x *expectation) {
				t.Helper()
				sample := dashboardSample{of: sampleOf, part: part}
				t.Run(stage, func(t *testing.T) { checkDashboardSample(t, s, x, false, sample) })
			}

			rollup(time.Date(2026, 3, 9, 5, 30, 0, 0, time.UTC))
			check("on-time events rolled up to mid-range", 0, newExpectation(onTime))
			rollup(testTo.Add(48 * time.Hour))
			check("on-time events rolled up", 1, newExpectation(onTime))

			x := newExpectation(events)
			writeAll(t, s, late, 500)
			check("late events read raw", 2, x)
			rollup(testTo.Add(48 * time.Hour))
			check("late events rolled up", 3, x)

			if _, err := s.Retain(ctx, testTo.Add(72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			for _, f := range []Filter{
				{Site: "demo.localhost", From: testFrom, To: testTo},
				{Site: "demo.localhost", From: testFrom.Add(5 * time.Hour), To: testTo.Add(-7 * time.Hour), Where: map[string]string{"country": "JP"}},
			} {
				if got, want := mustTotals(t, s, f), x.totals(f); got != want {
					t.Errorf("Totals %v after retention = %+v, want %+v from the rollups", f.Where, got, want)
				}
			}
		})
	}
}

// rollUp runs a store's rollup until it has caught up: a run on a busy
// machine, or under the race detector, may stop at its time budget, and the
// next goes on where it stopped, as the job does.
func rollUp(ctx context.Context, s interface {
	Rollup(context.Context, time.Time) error
}, now time.Time) error {
	err := s.Rollup(ctx, now)
	for errors.Is(err, ErrRollupUnfinished) {
		err = s.Rollup(ctx, now)
	}
	return err
}
