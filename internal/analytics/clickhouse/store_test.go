package clickhouse

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/store/storetest"
)

// The figures of this store are checked by the store tests of package
// analytics, which run on it too; these tests check what is its own.

// newTestStore returns a store on a fresh ClickHouse database, or skips
// tb as storetest.ClickHouse does.
func newTestStore(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), storetest.ClickHouse(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// count returns the number of rows of a table of s.
func count(tb testing.TB, s *Store, table string) int {
	tb.Helper()
	var n uint64
	if err := s.conn.QueryRow(context.Background(), "SELECT count() FROM "+table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return int(n)
}

// TestSchemaIsIdempotent checks that opening a store on a database that
// already holds the tables keeps their events.
func TestSchemaIsIdempotent(t *testing.T) {
	eachServer(t, func(t *testing.T, open func() *Store) {
		ctx := context.Background()
		first := open()
		e := analytics.Event{Site: "demo.localhost", Name: "pageview", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Path: "/"}
		if err := first.WriteEvents(ctx, []analytics.Event{e}); err != nil {
			t.Fatal(err)
		}
		second := open()
		got, err := second.Totals(ctx, analytics.Filter{Site: e.Site, From: e.Time, To: e.Time.Add(time.Hour)})
		if err != nil || got.Pageviews != 1 {
			t.Errorf("Totals after reopening = %+v, %v; want the event kept", got, err)
		}
	})
}

// TestRefusesTimesItCannotStore checks that events outside the years of a
// ClickHouse DateTime are refused with their batch.
func TestRefusesTimesItCannotStore(t *testing.T) {
	eachServer(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		good := analytics.Event{Site: "demo.localhost", Name: "pageview", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
		for _, at := range []time.Time{{}, time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2106, 3, 1, 0, 0, 0, 0, time.UTC)} {
			bad := good
			bad.Time = at
			if err := s.WriteEvents(ctx, []analytics.Event{good, bad}); err == nil {
				t.Errorf("an event at %s was accepted", at)
			}
		}
		if n := count(t, s, "analytics_events"); n != 0 {
			t.Errorf("%d events stored from refused batches", n)
		}
	})
}

// TestRefusesEventsBeforeRetention: once Retain has deleted the raw events
// before a day, a late event from before it is refused with ErrTooOld, as
// on the SQL store, and one after it is taken.
func TestRefusesEventsBeforeRetention(t *testing.T) {
	eachServer(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		if _, err := s.Retain(ctx, day); err != nil {
			t.Fatal(err)
		}
		old := analytics.Event{Site: "demo.localhost", Name: "pageview", Path: "/old", Time: day.Add(-time.Hour)}
		fresh := analytics.Event{Site: "demo.localhost", Name: "pageview", Path: "/fresh", Time: day.Add(time.Hour)}
		if err := s.WriteEvents(ctx, []analytics.Event{fresh, old}); !errors.Is(err, analytics.ErrTooOld) {
			t.Errorf("a batch with an event before the cut-off: %v, want ErrTooOld", err)
		}
		if err := s.WriteEvents(ctx, []analytics.Event{fresh}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "analytics_events"); n != 1 {
			t.Errorf("%d events stored, want the fresh one", n)
		}
	})
}

// TestRollupRedoesChangedDaysOnly checks that Rollup rolls up the days
// that have no rollup or received events since their last one, and no
// other: not the days rolled up already, nor those before the retention
// cut-off.
func TestRollupRedoesChangedDaysOnly(t *testing.T) {
	eachServer(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)
		if err := loadGenerated(ctx, s, "demo.localhost", from, to, 1000, 500); err != nil {
			t.Fatal(err)
		}
		rollup := func(now time.Time) int {
			t.Helper()
			if err := s.Rollup(ctx, now); err != nil {
				t.Fatal(err)
			}
			return count(t, s, "analytics_rollup_days")
		}
		mid := rollup(time.Date(2026, 3, 9, 5, 30, 0, 0, time.UTC))
		if mid == 0 {
			t.Fatal("no day rolled up")
		}
		all := rollup(to.Add(48 * time.Hour))
		if all <= mid {
			t.Errorf("%d days rolled up after the range, %d halfway through it", all, mid)
		}
		if again := rollup(to.Add(48 * time.Hour)); again != all {
			t.Errorf("days rolled up again with no new events: %d rollups, then %d", all, again)
		}
		late := analytics.Event{Site: "demo.localhost", Name: "pageview", Path: "/late", Time: from.Add(50 * time.Hour)}
		if err := s.WriteEvents(ctx, []analytics.Event{late}); err != nil {
			t.Fatal(err)
		}
		if n := rollup(to.Add(72 * time.Hour)); n != all+1 {
			t.Errorf("%d rollups after a late event, want %d: its day alone rolled up again", n, all+1)
		}
		if _, err := s.Retain(ctx, to.Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := rollup(to.Add(96 * time.Hour)); n != all+1 {
			t.Errorf("%d rollups after retention, want %d: days before the cut-off rolled up again", n, all+1)
		}
	})
}

// TestInvalidUTF8 checks that text that is not UTF-8 is stored as the SQL
// store stores it, each bad byte replaced by U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"":            "",
		"/ja/":        "/ja/",
		"a\xffb":      "a\uFFFDb",
		"\xe3\x81":    "\uFFFD\uFFFD",
		"検索\xc0\xaf!": "検索\uFFFD\uFFFD!",
	} {
		if got := validUTF8(in); got != want {
			t.Errorf("validUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBucketGrain checks the slot length the collect query counts in,
// which must never let a slot straddle two buckets of a series.
func TestBucketGrain(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	from, to := day.Add(17*time.Second), day.AddDate(0, 0, 20).Add(3*time.Millisecond)
	tests := []struct {
		name     string
		interval string
		loc      *time.Location
		want     time.Duration
	}{
		{"days in UTC", "day", time.UTC, 24 * time.Hour},
		{"days in Japan", "day", time.FixedZone("JST", 9*3600), time.Hour},
		{"days in India", "day", time.FixedZone("IST", 5*3600+1800), 30 * time.Minute},
		{"hours in Nepal", "hour", time.FixedZone("NPT", 5*3600+45*60), 15 * time.Minute},
		{"months in UTC", "month", time.UTC, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The edges are those of the request a store gets.
			var edges []time.Time
			edgesOf := analytics.CollectFunc(func(_ context.Context, req analytics.Request) (cellMap, error) {
				edges = req.Edges
				return nil, nil
			})
			f := analytics.Filter{Site: "demo.localhost", From: from, To: to, Location: tt.loc}
			if _, err := edgesOf.Series(context.Background(), f, tt.interval); err != nil {
				t.Fatal(err)
			}
			if got := bucketGrain(edges); got != tt.want {
				t.Errorf("bucketGrain = %s, want %s", got, tt.want)
			}
		})
	}
	if got := bucketGrain([]time.Time{from, to}); got != 24*time.Hour {
		t.Errorf("bucketGrain of one bucket = %s, want a day", got)
	}
}
