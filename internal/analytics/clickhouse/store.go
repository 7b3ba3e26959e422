// Package clickhouse keeps analytics events in ClickHouse, for sites that
// outgrow one machine: an analytics.Store giving the same figures as the
// SQL store for the same events.
package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/noren-web/noren/internal/analytics"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// queryNames are the statements Store runs, by file name.
var queryNames = []string{
	"create-events", "write-events", "collect", "collect-totals", "collect-top", "span-visitors", "realtime", "retain-count", "retain", "retain-pending",
	"exists-event-days", "create-event-days", "backfill-event-days", "create-rollups", "create-rollup-days",
	"create-retention", "day-marks", "pending-days", "day-events", "write-rollups", "write-rollup-day",
	"write-retention", "retention", "read-rollups",
}

// Store keeps raw events in a ClickHouse table, with hourly and daily
// rollups of the complete UTC days that Rollup computes, so that several
// Noren instances can write to and read from one server or cluster.
// Queries read the rollups of the days whose events have not changed
// since, and raw events for the rest. It gives the same figures as
// analytics.SQLStore for the same events. It is safe for concurrent use.
type Store struct {
	conn driver.Conn
	q    map[string]string
}

var _ analytics.Store = (*Store)(nil)

// Open connects to the ClickHouse server at dsn
// (clickhouse://user:password@host:9000/database?dial_timeout=5s …, as
// clickhouse-go parses it) and creates the tables that are missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	q, err := readQueries()
	if err != nil {
		return nil, err
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: url: %w", err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: open %s: %w", opts.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: connect to %s: %w", opts.Addr, err)
	}
	s := &Store{conn: conn, q: q}
	if err := s.createTables(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: create the tables on %s: %w", opts.Addr, err)
	}
	return s, nil
}

// createTables creates the tables that are missing, and counts the events
// of each day when the per-day counts are new to a table that may already
// hold events.
func (s *Store) createTables(ctx context.Context) error {
	if err := s.conn.Exec(ctx, s.q["create-events"]); err != nil {
		return fmt.Errorf("create-events: %w", err)
	}
	var exists uint8
	if err := s.conn.QueryRow(ctx, s.q["exists-event-days"]).Scan(&exists); err != nil {
		return fmt.Errorf("exists-event-days: %w", err)
	}
	for _, name := range []string{"create-event-days", "create-rollups", "create-rollup-days", "create-retention"} {
		if err := s.conn.Exec(ctx, s.q[name]); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if exists == 0 {
		if err := s.conn.Exec(ctx, s.q["backfill-event-days"]); err != nil {
			return fmt.Errorf("backfill-event-days: %w", err)
		}
	}
	return nil
}

func readQueries() (map[string]string, error) {
	q := make(map[string]string, len(queryNames))
	for _, name := range queryNames {
		b, err := fs.ReadFile(queryFiles, "queries/"+name+".sql")
		if err != nil {
			return nil, fmt.Errorf("clickhouse: queries: %w", err)
		}
		q[name] = string(b)
	}
	return q, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("clickhouse: close: %w", err)
	}
	return nil
}
