// Package clickhouse keeps analytics events in ClickHouse, for sites that
// outgrow one machine: an analytics.Store giving the same figures as the
// SQL store for the same events, on one server or sharded over a cluster.
package clickhouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/noren-web/noren/internal/analytics"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// queryNames are the statements Store runs, by file name.
var queryNames = []string{
	"create-events", "write-events", "collect", "collect-totals", "collect-top", "span-visitors", "realtime", "retain-count", "retain", "mutations-pending",
	"exists-event-days", "create-event-days", "backfill-event-days", "create-rollups", "create-rollup-days",
	"create-retention", "day-marks", "pending-days", "day-events", "write-rollups", "write-rollup-day",
	"write-retention", "retention", "read-rollups", "create-distributed", "table-engines", "exists-session",
	"drop-session", "cluster-shards", "product-mode", "replaced-rollups", "remove-rollups",
}

// tables are the tables the store keeps, in the order they are created.
var tables = []struct {
	name, create string
	// shardBy is the sharding key of the table's Distributed table on a
	// cluster.
	shardBy string
}{
	// A visitor's events stay on one shard, so that each shard holds
	// whole visitor days, the unit visits are derived from.
	{"analytics_events", "create-events", "cityHash64(visitor)"},
	// The per-day counts come from each shard's own events; nothing
	// inserts into their Distributed table.
	{"analytics_event_days", "create-event-days", "cityHash64(site, day)"},
	// Every version of a day's rollup lands on the shard of its day, with
	// the row naming it, so that removing replaced versions is a
	// deletion on each shard's own rows.
	{"analytics_rollups", "create-rollups", "cityHash64(site, day)"},
	{"analytics_rollup_days", "create-rollup-days", "cityHash64(site, day)"},
	{"analytics_retention", "create-retention", "rand()"},
}

// localSuffix names a table on each shard of a cluster after the
// Distributed table over them.
const localSuffix = "_local"

// replacedSettle is how long a rollup version stays after a newer one of
// its day was recorded, so that queries that chose it before have read
// it; a version never recorded is removed as long after it was written.
const replacedSettle = time.Hour

// Store keeps raw events in a ClickHouse table, with hourly and daily
// rollups of the complete UTC days that Rollup computes, so that several
// Noren instances can write to and read from one server or cluster.
// Queries read the rollups of the days whose events have not changed
// since, and raw events for the rest. It gives the same figures as
// analytics.SQLStore for the same events. It is safe for concurrent use.
type Store struct {
	// conn is the server queries and inserts go to.
	conn driver.Conn
	// shards hold one connection to a server of each shard of a cluster,
	// for the statements a Distributed table does not pass on (creating
	// tables, deleting rows); conn alone on one server.
	shards []driver.Conn
	// shardAddrs name the servers of shards, for errors.
	shardAddrs []string
	// local is what the name of a shard's own table has after the
	// Distributed table's: localSuffix on a cluster.
	local string
	q     map[string]string
	// settle is replacedSettle, shorter in tests.
	settle time.Duration
}

var _ analytics.Store = (*Store)(nil)

// Cluster names a ClickHouse cluster a Store shards its tables over.
type Cluster struct {
	// Name is the cluster's name in the remote_servers of its servers.
	Name string
	// Shards are the URLs (as Open takes them) of one server of each
	// shard, every one naming the same database.
	Shards []string
}

// clusterName is what a cluster or database name may be: they go into
// statements as literals.
var clusterName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Open connects to the ClickHouse server at dsn
// (clickhouse://user:password@host:9000/database?dial_timeout=5s …, as
// clickhouse-go parses it) and creates the tables that are missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: url: %w", err)
	}
	q, err := readQueries("")
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &Store{conn: conn, shards: []driver.Conn{conn}, shardAddrs: []string{strings.Join(opts.Addr, ",")}, q: q, settle: replacedSettle}
	if err := s.createTables(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: create the tables on %s: %w", opts.Addr, err)
	}
	return s, nil
}

// OpenCluster connects to the server at dsn, one of the cluster's, and to
// one server of each of its shards, and creates the tables that are
// missing: on every shard a table of each kind, named with the suffix
// _local, and on every shard's server a Distributed table over them, of
// the name the queries use, so that an instance may reach the cluster
// through any of them. Inserts wait until every shard has stored its
// rows.
func OpenCluster(ctx context.Context, dsn string, c Cluster) (*Store, error) {
	if !clusterName.MatchString(c.Name) {
		return nil, fmt.Errorf("clickhouse: cluster %q: want a name of letters, digits and _", c.Name)
	}
	if len(c.Shards) == 0 {
		return nil, fmt.Errorf("clickhouse: cluster %s: no shards", c.Name)
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: url: %w", err)
	}
	database := opts.Auth.Database
	if !clusterName.MatchString(database) {
		return nil, fmt.Errorf("clickhouse: cluster %s: database %q: want a name of letters, digits and _", c.Name, database)
	}
	// An acknowledged insert is then on its shard, visible to the next
	// query and safe from the loss of the server that took it, and a
	// shard that is down fails the insert, so the collector keeps the
	// batch, instead of it waiting in that server's queue.
	if opts.Settings == nil {
		opts.Settings = ch.Settings{}
	}
	opts.Settings["insert_distributed_sync"] = 1
	q, err := readQueries(localSuffix)
	if err != nil {
		return nil, err
	}
	s := &Store{q: q, local: localSuffix, settle: replacedSettle}
	fail := func(err error) (*Store, error) {
		return nil, errors.Join(err, s.Close())
	}
	if s.conn, err = connect(ctx, opts); err != nil {
		return nil, err
	}
	// The client cannot send a setting of text to ClickHouse 18.16, so
	// the user's profile must hold this one.
	var mode string
	if err := s.conn.QueryRow(ctx, s.q["product-mode"]).Scan(&mode); err != nil {
		return fail(fmt.Errorf("clickhouse: cluster %s: read distributed_product_mode: %w", c.Name, err))
	}
	if mode != "local" && mode != "global" {
		return fail(fmt.Errorf("clickhouse: cluster %s: the profile of the user on %s sets distributed_product_mode to %q; set it to local (see docs/clickhouse.md)", c.Name, opts.Addr, mode))
	}
	for _, shard := range c.Shards {
		so, err := ch.ParseDSN(shard)
		if err != nil {
			return fail(fmt.Errorf("clickhouse: cluster %s: shard url: %w", c.Name, err))
		}
		if so.Auth.Database != database {
			return fail(fmt.Errorf("clickhouse: cluster %s: shard %s names database %q, not %q", c.Name, so.Addr, so.Auth.Database, database))
		}
		conn, err := connect(ctx, so)
		if err != nil {
			return fail(err)
		}
		s.shards = append(s.shards, conn)
		s.shardAddrs = append(s.shardAddrs, strings.Join(so.Addr, ","))
	}
	if err := s.createClusterTables(ctx, c.Name, database); err != nil {
		return fail(fmt.Errorf("clickhouse: cluster %s: %w", c.Name, err))
	}
	return s, nil
}

// connect opens a connection and checks that the server answers.
func connect(ctx context.Context, opts *ch.Options) (driver.Conn, error) {
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: open %s: %w", opts.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: connect to %s: %w", opts.Addr, err)
	}
	return conn, nil
}

// createTables creates the tables that are missing on one server, and
// counts the events of each day when the per-day counts are new to a
// table that may already hold events.
func (s *Store) createTables(ctx context.Context) error {
	if err := s.createLocalTables(ctx, s.conn); err != nil {
		return err
	}
	return s.dropSession(ctx, s.conn, "analytics_events")
}

// createClusterTables creates the tables that are missing on every shard
// of the cluster: the shard's own tables, then the Distributed tables
// over them. A table of a Distributed table's name that is not one (left
// by a single server turned into a shard) is an error, since the rows
// written to it would reach no other shard.
func (s *Store) createClusterTables(ctx context.Context, cluster, database string) error {
	for i, shard := range s.shards {
		if err := s.checkEngines(ctx, shard); err != nil {
			return fmt.Errorf("shard %s: %w", s.shardAddrs[i], err)
		}
		var shards uint64
		if err := shard.QueryRow(ctx, s.q["cluster-shards"], ch.Named("cluster", cluster)).Scan(&shards); err != nil {
			return fmt.Errorf("shard %s: read the cluster's shards: %w", s.shardAddrs[i], err)
		}
		if int(shards) != len(s.shards) {
			return fmt.Errorf("shard %s: its remote_servers give the cluster %d shards, the configuration %d", s.shardAddrs[i], shards, len(s.shards))
		}
		if err := s.createLocalTables(ctx, shard); err != nil {
			return fmt.Errorf("shard %s: %w", s.shardAddrs[i], err)
		}
	}
	for i, shard := range s.shards {
		for _, t := range tables {
			create := strings.NewReplacer("/*table*/", t.name, "/*cluster*/", quote(cluster),
				"/*database*/", quote(database), "/*key*/", t.shardBy).Replace(s.q["create-distributed"])
			if err := shard.Exec(ctx, create); err != nil {
				return fmt.Errorf("shard %s: create-distributed %s: %w", s.shardAddrs[i], t.name, err)
			}
		}
		// The Distributed table first: its inserts then no longer name
		// the column that the shard's table is about to lose.
		for _, table := range []string{"analytics_events", "analytics_events" + localSuffix} {
			if err := s.dropSession(ctx, shard, table); err != nil {
				return fmt.Errorf("shard %s: %w", s.shardAddrs[i], err)
			}
		}
	}
	return nil
}

// checkEngines fails if a table a Distributed table should have the name
// of has another engine.
func (s *Store) checkEngines(ctx context.Context, conn driver.Conn) error {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	rows, err := conn.Query(ctx, s.q["table-engines"], ch.Named("names", names))
	if err != nil {
		return fmt.Errorf("table-engines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			return fmt.Errorf("table-engines: %w", err)
		}
		if engine != "Distributed" {
			return fmt.Errorf("%s is a %s table, not a Distributed one: move its rows into %s%s once the store has created it (see docs/clickhouse.md), then drop it",
				name, engine, name, localSuffix)
		}
	}
	return rows.Err()
}

// createLocalTables creates the store's own tables on one server: all of
// them on a single server, each shard's part of them on a cluster.
func (s *Store) createLocalTables(ctx context.Context, conn driver.Conn) error {
	var exists uint8
	for _, t := range tables {
		if t.create == "create-event-days" {
			if err := conn.QueryRow(ctx, s.q["exists-event-days"]).Scan(&exists); err != nil {
				return fmt.Errorf("exists-event-days: %w", err)
			}
		}
		if err := conn.Exec(ctx, s.q[t.create]); err != nil {
			return fmt.Errorf("%s: %w", t.create, err)
		}
	}
	if exists == 0 {
		if err := conn.Exec(ctx, s.q["backfill-event-days"]); err != nil {
			return fmt.Errorf("backfill-event-days: %w", err)
		}
	}
	return nil
}

// dropSession drops the visit id column that tables created before visits
// were derived from events have. Instances starting at once may both try;
// the column being gone is all that matters.
func (s *Store) dropSession(ctx context.Context, conn driver.Conn, table string) error {
	has := func() (bool, error) {
		var n uint64
		if err := conn.QueryRow(ctx, s.q["exists-session"], ch.Named("table", table)).Scan(&n); err != nil {
			return false, fmt.Errorf("exists-session %s: %w", table, err)
		}
		return n > 0, nil
	}
	if ok, err := has(); err != nil || !ok {
		return err
	}
	err := conn.Exec(ctx, strings.ReplaceAll(s.q["drop-session"], "/*table*/", table))
	if err == nil {
		return nil
	}
	if ok, checkErr := has(); checkErr == nil && !ok {
		return nil
	}
	return fmt.Errorf("drop-session %s: %w", table, err)
}

// quote returns v as a ClickHouse string literal.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// readQueries reads the statements, naming the tables a statement names
// with /*local*/ after them with suffix: the shard's own table on a
// cluster.
func readQueries(suffix string) (map[string]string, error) {
	q := make(map[string]string, len(queryNames))
	for _, name := range queryNames {
		b, err := fs.ReadFile(queryFiles, "queries/"+name+".sql")
		if err != nil {
			return nil, fmt.Errorf("clickhouse: queries: %w", err)
		}
		q[name] = strings.ReplaceAll(string(b), "/*local*/", suffix)
	}
	return q, nil
}

// Close closes the store's connections.
func (s *Store) Close() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	for _, conn := range s.shards {
		if conn != s.conn {
			errs = append(errs, conn.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clickhouse: close: %w", err)
	}
	return nil
}
