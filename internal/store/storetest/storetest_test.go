package storetest_test

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// recorder stands in for a test to see whether FreshDSN skips or fails it.
type recorder struct {
	testing.TB
	failed, skipped bool
	message         string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.message = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.message = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestWithoutServer checks that a missing server skips the test on a
// developer machine and fails it where the server is required, for every
// spelling of true that CI may use.
func TestWithoutServer(t *testing.T) {
	services := []struct {
		name, env, require, script string
		open                       func(testing.TB)
	}{
		{"postgres", storetest.EnvPostgres, storetest.EnvRequirePostgres, "scripts/postgres.sh",
			func(tb testing.TB) { storetest.FreshDSN(tb, store.Postgres) }},
		{"clickhouse", storetest.EnvClickHouse, storetest.EnvRequireClickHouse, "scripts/clickhouse.sh",
			func(tb testing.TB) { storetest.ClickHouse(tb) }},
		{"clickhouse cluster", storetest.EnvClickHouseCluster, storetest.EnvRequireClickHouse, "scripts/clickhouse.sh --cluster",
			func(tb testing.TB) { storetest.ClickHouseCluster(tb) }},
	}
	tests := []struct {
		name, ci, require string
		wantFail          bool
	}{
		{name: "local run", wantFail: false},
		{name: "CI=true", ci: "true", wantFail: true},
		{name: "CI=1", ci: "1", wantFail: true},
		{name: "required", require: "1", wantFail: true},
		{name: "required as true", require: "true", wantFail: true},
		{name: "CI=false", ci: "false", wantFail: false},
	}
	for _, svc := range services {
		for _, tt := range tests {
			t.Run(svc.name+"/"+tt.name, func(t *testing.T) {
				t.Setenv(svc.env, "")
				t.Setenv("CI", tt.ci)
				t.Setenv(svc.require, tt.require)
				r := &recorder{TB: t}
				done := make(chan struct{})
				go func() {
					defer close(done)
					svc.open(r)
				}()
				<-done
				if r.failed != tt.wantFail || r.skipped == tt.wantFail {
					t.Errorf("failed=%v skipped=%v, want failed=%v", r.failed, r.skipped, tt.wantFail)
				}
				if !strings.Contains(r.message, svc.env) || !strings.Contains(r.message, svc.script) {
					t.Errorf("message %q does not say what to set", r.message)
				}
			})
		}
	}
}

func TestEach(t *testing.T) {
	var ran []string
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ran = append(ran, db.Dialect().String())
		pending, err := db.PendingMigrations(context.Background())
		if err != nil || len(pending) != 0 {
			t.Errorf("database not migrated: pending %q, %v", pending, err)
		}
	})
	if len(ran) == 0 || ran[0] != "sqlite" {
		t.Errorf("ran on %q, want sqlite first", ran)
	}
}

// TestPostgresDatabasesAreDropped checks that every test gets a database of
// its own and that it is gone when the test ends.
func TestPostgresDatabasesAreDropped(t *testing.T) {
	var names []string
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			u, err := url.Parse(storetest.FreshDSN(t, store.Postgres))
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, strings.TrimPrefix(u.Path, "/"))
		})
	}
	if len(names) < 2 {
		t.Skip("no PostgreSQL server")
	}
	if names[0] == names[1] {
		t.Errorf("two tests got the same database %s", names[0])
	}
	admin := storetest.Postgres(t)
	for _, name := range names {
		var n int
		err := admin.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s still exists after its test", name)
		}
	}
}
