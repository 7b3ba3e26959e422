package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// eachEmpty runs fn on each backend with the DSN of an empty database.
func eachEmpty(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			fn(t, storetest.FreshDSN(t, d))
		})
	}
}

func open(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func recorded(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT name, applied_at FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		var at time.Time
		if err := rows.Scan(&name, &at); err != nil {
			t.Fatal(err)
		}
		if at.IsZero() || at.Location() != time.UTC {
			t.Errorf("%s applied at %v", name, at)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigrate(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)

		pending, err := db.PendingMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 || pending[0] != "2026-11-29-1-policy-versions" {
			t.Fatalf("pending on an empty database: %q", pending)
		}

		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(applied, pending) {
			t.Errorf("applied %q, want the pending %q", applied, pending)
		}
		// recorded sorts names as text, where -10- comes before -2-.
		if got := recorded(t, db); !slices.Equal(got, slices.Sorted(slices.Values(pending))) {
			t.Errorf("schema_migrations holds %q, want %q", got, pending)
		}

		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Errorf("second Migrate: applied %q, %v; want nothing", again, err)
		}
		if pending, err := db.PendingMigrations(ctx); err != nil || len(pending) != 0 {
			t.Errorf("pending after Migrate: %q, %v", pending, err)
		}
		if got := recorded(t, db); !slices.Equal(got, slices.Sorted(slices.Values(applied))) {
			t.Errorf("after the second Migrate schema_migrations holds %q", got)
		}
	})
}

func TestMigrateAppliesNewOnesOnly(t *testing.T) {
	first := fstest.MapFS{
		"2026-01-01-1-a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);")},
	}
	second := fstest.MapFS{
		"2026-01-01-1-a.sql":          {Data: first["2026-01-01-1-a.sql"].Data},
		"2026-01-02-1-b-sqlite.sql":   {Data: []byte("CREATE TABLE b (x INTEGER);\nINSERT INTO b SELECT x + 1 FROM a;")},
		"2026-01-02-1-b-postgres.sql": {Data: []byte("CREATE TABLE b (x integer);\nINSERT INTO b SELECT x + 1 FROM a;")},
	}
	eachEmpty(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		if applied, err := db.MigrateFS(ctx, first); err != nil || !slices.Equal(applied, []string{"2026-01-01-1-a"}) {
			t.Fatalf("first: %q, %v", applied, err)
		}
		if pending, err := db.PendingMigrationsFS(ctx, second); err != nil || !slices.Equal(pending, []string{"2026-01-02-1-b"}) {
			t.Fatalf("pending: %q, %v", pending, err)
		}
		if applied, err := db.MigrateFS(ctx, second); err != nil || !slices.Equal(applied, []string{"2026-01-02-1-b"}) {
			t.Fatalf("second: %q, %v", applied, err)
		}
		var x int
		if err := db.QueryRowContext(ctx, `SELECT x FROM b`).Scan(&x); err != nil || x != 2 {
			t.Errorf("b.x = %d, %v; want 2 (both statements of the migration ran)", x, err)
		}
	})
}

func TestMigrateFailureRollsBack(t *testing.T) {
	fsys := fstest.MapFS{
		"2026-01-01-1-good.sql": {Data: []byte("CREATE TABLE good (x INTEGER);")},
		"2026-01-02-1-bad.sql":  {Data: []byte("CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;")},
		"2026-01-03-1-next.sql": {Data: []byte("CREATE TABLE next (x INTEGER);")},
	}
	eachEmpty(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		applied, err := db.MigrateFS(ctx, fsys)
		if err == nil || !strings.Contains(err.Error(), "2026-01-02-1-bad") {
			t.Errorf("error = %v, want one naming the failed migration", err)
		}
		if !slices.Equal(applied, []string{"2026-01-01-1-good"}) {
			t.Errorf("applied = %q, want only the one before the failure", applied)
		}
		if got := recorded(t, db); !slices.Equal(got, slices.Sorted(slices.Values(applied))) {
			t.Errorf("schema_migrations holds %q", got)
		}
		for table, want := range map[string]bool{"good": true, "half": false, "next": false} {
			_, err := db.ExecContext(ctx, "SELECT count(*) FROM "+table)
			if got := err == nil; got != want {
				t.Errorf("table %s exists: %v, want %v", table, got, want)
			}
		}
	})
}

func TestMigrateUnknown(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const newer = "2099-01-01-1-from-the-future"
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, newer, time.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := db.Migrate(ctx)
		if !errors.Is(err, store.ErrUnknownMigration) || !strings.Contains(err.Error(), newer) {
			t.Errorf("Migrate error = %v, want ErrUnknownMigration naming %s", err, newer)
		}
		_, err = db.PendingMigrations(ctx)
		if !errors.Is(err, store.ErrUnknownMigration) {
			t.Errorf("PendingMigrations error = %v, want ErrUnknownMigration", err)
		}
	})
}

// TestConcurrentMigrate starts several Migrate calls on separate handles,
// as separate processes would, and checks each migration ran once.
func TestConcurrentMigrate(t *testing.T) {
	eachEmpty(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		const handles = 4
		dbs := make([]*store.DB, handles)
		for i := range dbs {
			dbs[i] = open(t, dsn)
		}
		results := make([][]string, handles)
		errs := make([]error, handles)
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() { results[i], errs[i] = db.Migrate(ctx) })
		}
		wg.Wait()

		var all []string
		for i := range dbs {
			if errs[i] != nil {
				t.Fatalf("Migrate %d: %v", i, errs[i])
			}
			all = append(all, results[i]...)
		}
		slices.Sort(all)
		want := recorded(t, dbs[0])
		if len(want) == 0 || !slices.Equal(all, want) {
			t.Errorf("applied across all calls %q, want each of %q exactly once", all, want)
		}
	})
}
