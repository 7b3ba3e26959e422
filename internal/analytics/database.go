package analytics

import (
	"context"
	"embed"
	"fmt"

	"github.com/noren-web/noren/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationSet is the analytics store's schema. It is recorded apart from
// Noren's own migrations, so that the store can live in a database of its
// own or share Noren's.
func migrationSet() store.MigrationSet {
	return store.MigrationSet{FS: migrationFiles, Dir: "migrations", Table: "analytics_schema_migrations"}
}

// Migrate applies the analytics store's pending migrations to db and
// returns their names.
func Migrate(ctx context.Context, db *store.DB) ([]string, error) {
	applied, err := db.MigrateSet(ctx, migrationSet())
	if err != nil {
		return applied, fmt.Errorf("analytics: migrate: %w", err)
	}
	return applied, nil
}

// PendingMigrations returns the names of the migrations Migrate would
// apply to db.
func PendingMigrations(ctx context.Context, db *store.DB) ([]string, error) {
	pending, err := db.PendingSet(ctx, migrationSet())
	if err != nil {
		return nil, fmt.Errorf("analytics: migrations: %w", err)
	}
	return pending, nil
}

// movedTables are the tables MoveFromSQLite copies, with their columns.
var movedTables = []struct{ name, columns string }{
	{"analytics_sites", "site, rolled_until, raw_from"},
	{"analytics_events", "id, site, time, name, visitor, path, hostname, referrer, source, medium, campaign, browser, browser_version, os, device, screen, language, country, network, props, search, results, link"},
	{"analytics_hourly", "site, dim, hour, value, visitors, visits, pageviews, events, bounces, duration_ms"},
	{"analytics_daily", "site, dim, day, value, visitors, visits, pageviews, events, bounces, duration_ms"},
}

// MoveFromSQLite moves the events and rollups that an earlier version kept
// in Noren's own SQLite database, the file from, into db, a migrated
// analytics database on SQLite. It does so once: when db has no site yet
// and from has some; otherwise it does nothing. It returns the number of
// events moved.
//
// The copy is one transaction in db; the old rows are deleted after it
// commits, so a crash in between leaves them in both files (the old copy
// is then never read again) and loses nothing.
func MoveFromSQLite(ctx context.Context, db *store.DB, from string) (int64, error) {
	if db.Dialect() != store.SQLite || from == "" || from == db.Path() {
		return 0, nil
	}
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("analytics: move events from %s: %w", from, err)
	}
	defer conn.Close()
	var sites int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM analytics_sites`).Scan(&sites); err != nil || sites > 0 {
		return 0, wrapMove(from, err)
	}
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ?1 AS old`, from); err != nil {
		return 0, wrapMove(from, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE old`)
	var tables int
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM old.sqlite_schema WHERE type = 'table' AND name = 'analytics_sites'`).Scan(&tables)
	if err != nil || tables == 0 {
		return 0, wrapMove(from, err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM old.analytics_sites`).Scan(&sites); err != nil || sites == 0 {
		return 0, wrapMove(from, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrapMove(from, err)
	}
	var events int64
	for _, t := range movedTables {
		res, err := tx.ExecContext(ctx, `INSERT INTO main.`+t.name+` (`+t.columns+`) SELECT `+t.columns+` FROM old.`+t.name)
		if err != nil {
			tx.Rollback()
			return 0, wrapMove(from, err)
		}
		if t.name == "analytics_events" {
			events, _ = res.RowsAffected()
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, wrapMove(from, err)
	}
	for _, t := range movedTables {
		if _, err := conn.ExecContext(ctx, `DELETE FROM old.`+t.name); err != nil {
			return events, fmt.Errorf("analytics: moved %d events from %s, but could not empty its %s: %w", events, from, t.name, err)
		}
	}
	return events, nil
}

func wrapMove(from string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("analytics: move events from %s: %w", from, err)
}
