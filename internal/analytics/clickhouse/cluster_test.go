package clickhouse

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
)

// versions returns the rollup versions whose rows s holds, in order.
func versions(t *testing.T, s *Store) []uint64 {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), "SELECT DISTINCT version FROM analytics_rollups ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []uint64
	for rows.Next() {
		var v uint64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// latestVersions returns the latest recorded rollup version of each day,
// in order.
func latestVersions(t *testing.T, s *Store) []uint64 {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), "SELECT max(version) AS v FROM analytics_rollup_days GROUP BY site, day ORDER BY v")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []uint64
	for rows.Next() {
		var v uint64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestRetainRemovesReplacedRollups checks that the retention job removes
// the rows of rollup versions a newer rollup of their day replaced, and
// of versions never recorded, once they have settled, and keeps every
// day's latest, with the figures unchanged.
func TestRetainRemovesReplacedRollups(t *testing.T) {
	eachServer(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
		if err := loadGenerated(ctx, s, "demo.localhost", from, to, 1000, 500); err != nil {
			t.Fatal(err)
		}
		if err := s.Rollup(ctx, to.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		late := analytics.Event{Site: "demo.localhost", Name: "pageview", Path: "/late", Visitor: 7, Time: from.Add(30 * time.Hour)}
		if err := s.WriteEvents(ctx, []analytics.Event{late}); err != nil {
			t.Fatal(err)
		}
		if err := s.Rollup(ctx, to.Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// A rollup that stopped before recording its version.
		abandoned, err := s.conn.PrepareBatch(ctx, s.q["write-rollups"])
		if err != nil {
			t.Fatal(err)
		}
		if err := abandoned.Append("demo.localhost", from, uint64(1), uint8(0), uint8(0), from, "/", int64(1), int64(1), int64(1), int64(1), int64(0), int64(0)); err != nil {
			t.Fatal(err)
		}
		if err := abandoned.Send(); err != nil {
			t.Fatal(err)
		}
		filter := analytics.Filter{Site: "demo.localhost", From: from, To: to}
		before, err := s.Totals(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		latest := latestVersions(t, s)
		all := versions(t, s)
		if len(all) != len(latest)+2 {
			t.Fatalf("%d versions of %d days before removal, want one replaced and one abandoned", len(all), len(latest))
		}

		// Replaced moments ago: queries may still read them.
		if _, err := s.Retain(ctx, from.AddDate(0, -1, 0)); err != nil {
			t.Fatal(err)
		}
		if got := versions(t, s); len(got) != len(latest)+1 {
			t.Errorf("%d versions right after the replacement, want %d: only the abandoned one removed", len(got), len(latest)+1)
		}

		s.settle = 0
		if _, err := s.Retain(ctx, from.AddDate(0, -1, 0)); err != nil {
			t.Fatal(err)
		}
		if got := versions(t, s); !slices.Equal(got, latest) {
			t.Errorf("versions after removal = %v, want each day's latest %v", got, latest)
		}
		after, err := s.Totals(ctx, filter)
		if err != nil || after != before {
			t.Errorf("Totals after removal = %+v, %v; want %+v", after, err, before)
		}
		if n, err := s.RemoveReplacedRollups(ctx, time.Now()); err != nil || n != 0 {
			t.Errorf("RemoveReplacedRollups with nothing replaced = %d, %v; want 0", n, err)
		}
	})
}

// TestRetainDeletesOnEveryShard checks that retention deletes the events
// before the cut-off wherever they are stored, and only those.
func TestRetainDeletesOnEveryShard(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		s := db.open()
		ctx := context.Background()
		day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
		if err := loadGenerated(ctx, s, "demo.localhost", day.AddDate(0, 0, -2), day.AddDate(0, 0, 2), 2000, 500); err != nil {
			t.Fatal(err)
		}
		old, total := countBefore(t, s, "analytics_events", day), count(t, s, "analytics_events")
		n, err := s.Retain(ctx, day)
		if err != nil || n != int64(old) {
			t.Fatalf("Retain = %d, %v; want the %d events before the cut-off", n, err, old)
		}
		for i := range db.shards {
			var left uint64
			err := db.conn(i).QueryRow(ctx, "SELECT count() FROM analytics_events"+db.local+" WHERE time < @day", ch.Named("day", day)).Scan(&left)
			if err != nil || left != 0 {
				t.Errorf("shard %d: %d events before the cut-off left, %v", i+1, left, err)
			}
		}
		if kept := count(t, s, "analytics_events"); kept != total-old {
			t.Errorf("%d events kept, want %d", kept, total-old)
		}
	})
}

// countBefore returns the number of events of s before day.
func countBefore(t *testing.T, s *Store, table string, day time.Time) int {
	t.Helper()
	var n uint64
	if err := s.conn.QueryRow(context.Background(), "SELECT count() FROM "+table+" WHERE time < @day", ch.Named("day", day)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestDropsSessionColumn checks that opening a store on an events table
// created when it held visit ids drops that column and keeps the events.
func TestDropsSessionColumn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		ctx := context.Background()
		q, err := readQueries(db.local)
		if err != nil {
			t.Fatal(err)
		}
		old := strings.Replace(q["create-events"], "\tvisitor UInt64,\n", "\tvisitor UInt64,\n\tsession UInt64,\n", 1)
		for i := range db.shards {
			conn := db.conn(i)
			if err := conn.Exec(ctx, old); err != nil {
				t.Fatal(err)
			}
			if err := conn.Exec(ctx, "INSERT INTO analytics_events"+db.local+" (site, time, time_us, visitor, session) SELECT 'demo.localhost', toDateTime(1772326800), 1772326800000000, 7, 3"); err != nil {
				t.Fatal(err)
			}
		}
		s := db.open()
		if n := count(t, s, "analytics_events"); n != len(db.shards) {
			t.Errorf("%d events after opening, want the %d stored before", n, len(db.shards))
		}
		for i := range db.shards {
			var n uint64
			err := db.conn(i).QueryRow(ctx, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND name = 'session'").Scan(&n)
			if err != nil || n != 0 {
				t.Errorf("shard %d: %d tables with a session column, %v", i+1, n, err)
			}
		}
	})
}

// TestClusterKeepsVisitorsOnOneShard checks that every event of a visitor
// is stored on the same shard, since visits are derived per visitor day,
// and that both shards take events.
func TestClusterKeepsVisitorsOnOneShard(t *testing.T) {
	db := clusterDB(t)
	s := db.open()
	ctx := context.Background()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := loadGenerated(ctx, s, "demo.localhost", from, from.AddDate(0, 0, 2), 2000, 500); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]int{}
	for i := range db.shards {
		rows, err := db.conn(i).Query(ctx, "SELECT DISTINCT visitor FROM analytics_events_local")
		if err != nil {
			t.Fatal(err)
		}
		visitors := 0
		for rows.Next() {
			var v uint64
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if other, ok := seen[v]; ok {
				t.Errorf("visitor %d on shards %d and %d", v, other+1, i+1)
			}
			seen[v] = i
			visitors++
		}
		rows.Close()
		if visitors == 0 {
			t.Errorf("shard %d holds no events", i+1)
		}
	}
}

// TestOpenClusterRefusesMismatches checks that a cluster whose servers do
// not match the configuration, or whose database holds a table of the
// queries' name that is not Distributed, is refused rather than written
// to a part of it.
func TestOpenClusterRefusesMismatches(t *testing.T) {
	db := clusterDB(t)
	ctx := context.Background()
	c := Cluster{Name: db.cluster, Shards: db.shards[:1]}
	if s, err := OpenCluster(ctx, db.shards[0], c); err == nil || !strings.Contains(err.Error(), "shards") {
		t.Errorf("one shard of two configured: %v", err)
		if err == nil {
			s.Close()
		}
	}
	if err := db.conn(1).Exec(ctx, "CREATE TABLE analytics_events (site String) ENGINE = MergeTree ORDER BY site"); err != nil {
		t.Fatal(err)
	}
	c.Shards = db.shards
	if s, err := OpenCluster(ctx, db.shards[0], c); err == nil || !strings.Contains(err.Error(), "not a Distributed") {
		t.Errorf("a MergeTree analytics_events on a shard: %v", err)
		if err == nil {
			s.Close()
		}
	}
}
