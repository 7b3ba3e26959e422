// Package storetest hands tests a fresh, migrated database on SQLite, on
// PostgreSQL, or on both.
//
// PostgreSQL tests connect with the URL in NOREN_TEST_POSTGRES (for a local
// server, run scripts/postgres.sh and export the line it prints); each test
// gets a database of its own, dropped when it ends. Without the variable the
// PostgreSQL tests are skipped, unless CI or NOREN_REQUIRE_POSTGRES holds a
// true value such as 1 (see testenv.Required), when they fail instead, so
// that a CI run can never pass without the real server.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/testenv"
)

// Environment variables read by this package.
const (
	// EnvPostgres holds the URL of a PostgreSQL server whose role may
	// create databases.
	EnvPostgres = "NOREN_TEST_POSTGRES"
	// EnvRequirePostgres, set to a true value such as 1, turns a missing
	// EnvPostgres into a failure instead of a skip; CI=true does the same.
	EnvRequirePostgres = "NOREN_REQUIRE_POSTGRES"
)

// Each runs fn once per backend, as subtests named "sqlite" and
// "postgres", each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// SQLite returns a fresh migrated SQLite database in a temporary directory.
func SQLite(tb testing.TB) *store.DB {
	tb.Helper()
	return Open(tb, store.SQLite)
}

// Postgres returns a fresh migrated PostgreSQL database, or skips or fails
// tb as the package documentation describes.
func Postgres(tb testing.TB) *store.DB {
	tb.Helper()
	return Open(tb, store.Postgres)
}

// Open returns a fresh migrated database on backend d, closed (and on
// PostgreSQL dropped) when tb ends.
func Open(tb testing.TB, d store.Dialect) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, FreshDSN(tb, d))
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("storetest: %v", err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return db
}

// FreshDSN returns the DSN of a new, empty and unmigrated database on
// backend d, removed when tb ends. Tests of the migrations themselves, or
// ones that open several handles to one database, start from it.
func FreshDSN(tb testing.TB, d store.Dialect) string {
	tb.Helper()
	switch d {
	case store.SQLite:
		return "sqlite:" + filepath.Join(tb.TempDir(), "noren.db")
	case store.Postgres:
		return freshPostgres(tb)
	}
	tb.Fatalf("storetest: no backend %v", d)
	return ""
}

func freshPostgres(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		const hint = "run scripts/postgres.sh and export the line it prints"
		if testenv.Required(EnvRequirePostgres) {
			tb.Fatalf("storetest: %s is not set, and PostgreSQL is required here (%s or %s is true); %s", EnvPostgres, testenv.CIEnv, EnvRequirePostgres, hint)
		}
		tb.Skipf("storetest: %s is not set, so the PostgreSQL tests are skipped; %s", EnvPostgres, hint)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}

	// Lower-case base32 letters and digits need no quoting in SQL.
	name := "noren_test_" + strings.ToLower(rand.Text())
	if err := onServer(server, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() {
		// FORCE ends connections a failed test may have leaked.
		if err := onServer(server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("storetest: %v", err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

// onServer runs one statement, such as CREATE DATABASE, that cannot run in
// a transaction, on a connection of its own.
func onServer(server, statement string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, server)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}
