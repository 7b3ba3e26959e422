package publicstats

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestFiguresMatchTheStore feeds generated traffic to the real store and
// checks that every figure the page publishes without noise is the
// store's own, for both periods, and that the protection holds.
func TestFiguresMatchTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("an oracle over generated events, not a test of concurrency: run in full, without -short")
	}
	ctx := context.Background()
	s, err := analytics.NewSQLStore(storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), clock
	var batch []analytics.Event
	flush := func() {
		if err := s.WriteEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	if err := analytics.Generate(11, testSite, from, to, 12000, func(e analytics.Event) error {
		if batch = append(batch, e); len(batch) == 1000 {
			flush()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	flush()
	// A busy machine may stop a rollup at its time budget; the next run
	// goes on where it stopped, as the job does.
	err = s.Rollup(ctx, clock)
	for errors.Is(err, analytics.ErrRollupUnfinished) {
		err = s.Rollup(ctx, clock)
	}
	if err != nil {
		t.Fatal(err)
	}

	for _, p := range periods {
		t.Run(string(p), func(t *testing.T) {
			got, err := compute(ctx, s, testSite, jst, p, clock, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			f := analytics.Filter{Site: testSite, From: got.From, To: got.To, Location: jst}
			want, err := s.Totals(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			checkCount := func(what string, c count, want int64) {
				t.Helper()
				if c.actual != want {
					t.Errorf("%s: counted %d, the store says %d", what, c.actual, want)
				}
				if c.state == shown && c.published != want {
					t.Errorf("%s: published %d, the store says %d", what, c.published, want)
				}
			}
			checkCount("visitors", got.Totals.Visitors, want.Visitors)
			checkCount("pageviews", got.Totals.Pageviews, want.Pageviews)
			checkCount("visits", got.Totals.Visits, want.Visits)
			if got.Totals.Visitors.state != shown {
				t.Fatalf("the generated traffic's %d visitors are not shown", want.Visitors)
			}

			series, err := s.Series(ctx, f, got.Interval)
			if err != nil {
				t.Fatal(err)
			}
			if len(series) != len(got.Buckets) {
				t.Fatalf("%d buckets, the store has %d", len(got.Buckets), len(series))
			}
			for i, pt := range series {
				b := got.Buckets[i]
				what := pt.Start.Format(time.DateOnly)
				checkCount(what+" visitors", b.Visitors, pt.Visitors)
				checkCount(what+" pageviews", b.Pageviews, pt.Pageviews)
				checkCount(what+" visits", b.Visits, pt.Visits)
			}

			rowsShown := 0
			for _, bd := range got.Breakdowns {
				top, err := s.Top(ctx, f, bd.Dimension, 0)
				if err != nil {
					t.Fatal(err)
				}
				byValue := map[string]analytics.Row{}
				for _, r := range top {
					byValue[r.Value] = r
				}
				for _, rw := range bd.Rows {
					r, ok := byValue[rw.Value]
					if !ok {
						t.Errorf("%s %q is not in the store", bd.Dimension, rw.Value)
					}
					checkCount(bd.Dimension+" "+rw.Value+" visitors", rw.Visitors, r.Visitors)
					if bd.Pageviews {
						checkCount(bd.Dimension+" "+rw.Value+" pageviews", rw.Pageviews, r.Pageviews)
					}
					rowsShown++
				}
			}
			if rowsShown == 0 {
				t.Error("no row published")
			}
		})
	}
}
