package analytics

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// openSQLiteFile opens (and creates) a SQLite file under dir.
func openSQLiteFile(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStoreInADatabaseOfItsOwn: the analytics migrations alone make a
// database the store works in, and applying them beside Noren's own
// migrations (PostgreSQL shares Noren's database) changes neither set.
func TestStoreInADatabaseOfItsOwn(t *testing.T) {
	ctx := context.Background()
	db := openSQLiteFile(t, filepath.Join(t.TempDir(), "noren-analytics.db"))
	applied, err := Migrate(ctx, db)
	if err != nil || len(applied) == 0 {
		t.Fatalf("Migrate: %v, %v", applied, err)
	}
	if again, err := Migrate(ctx, db); err != nil || len(again) != 0 {
		t.Fatalf("second Migrate: %v, %v", again, err)
	}
	var other int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name IN ('consent_records', 'audit_log', 'schema_migrations')`).Scan(&other); err != nil || other != 0 {
		t.Fatalf("the analytics database holds %d of Noren's other tables (%v)", other, err)
	}
	s := newTestStore(t, db)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	events := generateEvents(t, 3, "demo.localhost", day, day.AddDate(0, 0, 1), 500)
	writeAll(t, s, events, 100)
	if err := rollUp(ctx, s, day.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	tot, err := s.Totals(ctx, Filter{Site: "demo.localhost", From: day, To: day.AddDate(0, 0, 1)})
	if err != nil || tot.Pageviews == 0 {
		t.Fatalf("totals %+v, %v", tot, err)
	}

	storetest.Each(t, func(t *testing.T, main *store.DB) {
		if _, err := Migrate(ctx, main); err != nil {
			t.Fatalf("analytics migrations beside Noren's: %v", err)
		}
		if pending, err := main.PendingMigrations(ctx); err != nil || len(pending) != 0 {
			t.Fatalf("Noren's migrations after the analytics ones: pending %v, %v", pending, err)
		}
		if pending, err := PendingMigrations(ctx, main); err != nil || len(pending) != 0 {
			t.Fatalf("analytics migrations pending %v, %v", pending, err)
		}
	})
}

// TestMoveFromSQLite: events an earlier version kept in noren.db move into
// noren-analytics.db once, and the old tables are emptied.
func TestMoveFromSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mainPath := filepath.Join(dir, "noren.db")
	main := openSQLiteFile(t, mainPath)
	if _, err := main.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	old := newTestStore(t, main)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	writeAll(t, old, generateEvents(t, 4, "demo.localhost", day, day.AddDate(0, 0, 1), 300), 100)
	if err := rollUp(ctx, old, day.AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	want, err := old.Totals(ctx, Filter{Site: "demo.localhost", From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}

	adb := openSQLiteFile(t, filepath.Join(dir, "noren-analytics.db"))
	if _, err := Migrate(ctx, adb); err != nil {
		t.Fatal(err)
	}
	moved, err := MoveFromSQLite(ctx, adb, mainPath)
	if err != nil || moved != 300 {
		t.Fatalf("moved %d events, %v; want 300", moved, err)
	}
	got, err := newTestStore(t, adb).Totals(ctx, Filter{Site: "demo.localhost", From: day, To: day.AddDate(0, 0, 1)})
	if err != nil || got != want {
		t.Errorf("totals after the move %+v, %v; want %+v", got, err, want)
	}
	if n := countRows(t, main, `SELECT count(*) FROM analytics_events`); n != 0 {
		t.Errorf("noren.db still holds %d events", n)
	}
	if again, err := MoveFromSQLite(ctx, adb, mainPath); err != nil || again != 0 {
		t.Errorf("second move: %d, %v", again, err)
	}
}

// TestRollupNoticesBatchWrittenMeanwhile: a batch written between a
// rollup's read and its write makes the write stand down, so that its
// events are not left behind the marks uncounted.
func TestRollupNoticesBatchWrittenMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newTestStore(t, db)
		hour := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		e := Event{Site: "demo.localhost", Name: "pageview", Path: "/", Visitor: 1, Time: hour.Add(time.Minute)}
		writeAll(t, s, []Event{e}, 1)
		m, err := s.site(ctx, "demo.localhost")
		if err != nil {
			t.Fatal(err)
		}
		e.Time, e.Visitor = hour.Add(2*time.Minute), 2
		writeAll(t, s, []Event{e}, 1)
		err = db.Tx(ctx, func(tx *store.Tx) error {
			return s.checkUnchanged(ctx, tx, "demo.localhost", m.rolledUntil, hour, hour.Add(time.Hour), 1)
		})
		if !errors.Is(err, errRollupStale) {
			t.Fatalf("check after a batch arrived: %v; want errRollupStale", err)
		}
		if err := rollUp(ctx, s, hour.Add(time.Hour+RollupGrace)); err != nil {
			t.Fatal(err)
		}
		tot, err := s.Totals(ctx, Filter{Site: "demo.localhost", From: hour, To: hour.Add(time.Hour)})
		if err != nil || tot.Pageviews != 2 || tot.Visitors != 2 {
			t.Errorf("totals %+v, %v; want 2 pageviews of 2 visitors", tot, err)
		}
	})
}

// TestRollupBoundsFlood: a flood of made-up paths, and one visitor id
// sending more than a person could, are rolled up within fixed bounds:
// the paths past rollupCellCap count under OtherValue, and the visitor's
// events past maxVisitorDayEvents not at all, while the totals of
// everyone else stay exact.
func TestRollupBoundsFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 45,000 events")
	}
	ctx := context.Background()
	db := storetest.SQLite(t)
	s := newTestStore(t, db)
	hour := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var events []Event
	paths := rollupCellCap + 5000
	for i := range paths {
		events = append(events, Event{Site: "demo.localhost", Name: "pageview", Path: fmt.Sprintf("/flood/%d", i),
			Visitor: uint64(1000 + i), Time: hour.Add(time.Duration(i) * time.Millisecond)})
	}
	for i := range maxVisitorDayEvents + 10 {
		events = append(events, Event{Site: "demo.localhost", Name: "pageview", Path: "/",
			Visitor: 7, Time: hour.Add(time.Duration(i) * time.Millisecond)})
	}
	writeAll(t, s, events, 5000)
	if err := rollUp(ctx, s, hour.Add(time.Hour+RollupGrace)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM analytics_hourly WHERE dim = 'path'`); n > rollupCellCap+1 {
		t.Errorf("%d path rows; want at most %d", n, rollupCellCap+1)
	}
	f := Filter{Site: "demo.localhost", From: hour, To: hour.Add(time.Hour)}
	tot, err := s.Totals(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(paths + maxVisitorDayEvents); tot.Pageviews != want || tot.Visitors != int64(paths+1) {
		t.Errorf("totals %+v; want %d pageviews of %d visitors", tot, want, paths+1)
	}
	rows, err := s.Top(ctx, f, "path", 5)
	if err != nil {
		t.Fatal(err)
	}
	byValue := map[string]Row{}
	for _, r := range rows {
		byValue[r.Value] = r
	}
	// Every path but the cap's worth counts under OtherValue, one each.
	if r := byValue[OtherValue]; r.Pageviews != int64(paths+1-rollupCellCap) {
		t.Errorf("%s: %+v; want %d pageviews", OtherValue, r, paths+1-rollupCellCap)
	}
	if r := byValue["/"]; r.Pageviews != maxVisitorDayEvents || r.Visitors != 1 {
		t.Errorf("/: %+v; want %d pageviews of one visitor", r, maxVisitorDayEvents)
	}
}

// TestRollupBudget: a run that has used its budget stops with
// ErrRollupUnfinished after keeping what it did, and the runs after it
// finish the job with the same figures as one unbounded run.
func TestRollupBudget(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	events := generateEvents(t, 5, "demo.localhost", day, day.AddDate(0, 0, 4), 2000)
	f := Filter{Site: "demo.localhost", From: day, To: day.AddDate(0, 0, 4)}

	whole := newTestStore(t, storetest.SQLite(t))
	writeAll(t, whole, events, 500)
	if err := rollUp(ctx, whole, day.AddDate(0, 0, 5)); err != nil {
		t.Fatal(err)
	}
	want, err := whole.Totals(ctx, f)
	if err != nil {
		t.Fatal(err)
	}

	db := storetest.SQLite(t)
	bounded := newTestStore(t, db)
	bounded.budget = time.Nanosecond
	writeAll(t, bounded, events, 500)
	runs := 0
	for {
		runs++
		err := bounded.Rollup(ctx, day.AddDate(0, 0, 5))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrRollupUnfinished) || runs > 20 {
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	if runs < 4 {
		t.Errorf("%d runs with a budget of a nanosecond; want one per day at least", runs)
	}
	got, err := bounded.Totals(ctx, f)
	if err != nil || got != want {
		t.Errorf("totals %+v, %v; want %+v", got, err, want)
	}
	if n := countRows(t, db, `SELECT count(*) FROM analytics_daily WHERE dim = ''`); n != 4 {
		t.Errorf("%d daily rows of totals, want 4", n)
	}
}
