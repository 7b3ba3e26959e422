package analytics_test

import (
	"context"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/store/storetest"
)

// The store tests of package analytics run on the ClickHouse store too,
// which imports analytics and so can join them only from here.
func init() {
	analytics.AddTestStore("clickhouse", openClickHouse, clickHouseEvents)
	analytics.AddTestStore("clickhouse-cluster", openClickHouseCluster, clickHouseEvents)
}

// clickHouseStore is a ClickHouse store with the database it writes to,
// where clickHouseEvents reads its events back.
type clickHouseStore struct {
	*clickhouse.Store
	dsn string
}

// openClickHouse returns a store on a fresh ClickHouse database, or skips
// tb as storetest.ClickHouse does.
func openClickHouse(tb testing.TB) analytics.Store {
	tb.Helper()
	dsn := storetest.ClickHouse(tb)
	s, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return clickHouseStore{s, dsn}
}

// openClickHouseCluster returns a store on a fresh database of the test
// ClickHouse cluster, reached through its last shard's server, or skips
// tb as storetest.ClickHouseCluster does. The short run leaves it out:
// it checks the same code as the single server's, on a slower path.
func openClickHouseCluster(tb testing.TB) analytics.Store {
	tb.Helper()
	if testing.Short() {
		tb.Skip("the ClickHouse cluster is left out of the short run")
	}
	db := storetest.ClickHouseCluster(tb)
	dsn := db.Shards[len(db.Shards)-1]
	s, err := clickhouse.OpenCluster(context.Background(), dsn, clickhouse.Cluster{Name: db.Cluster, Shards: db.Shards})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return clickHouseStore{s, dsn}
}

// clickHouseEvents reads back every event a store of openClickHouse
// holds, in time order.
func clickHouseEvents(t *testing.T, s analytics.Store) ([]analytics.Event, bool) {
	t.Helper()
	c, ok := s.(clickHouseStore)
	if !ok {
		return nil, false
	}
	opts, err := ch.ParseDSN(c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(context.Background(), `SELECT time_us, site, name, visitor, path, hostname, referrer,
		source, medium, campaign, browser, browser_version, os, device, screen, language, country, network,
		props.key, props.value, search, results, link
		FROM analytics_events ORDER BY time_us`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []analytics.Event
	for rows.Next() {
		var e analytics.Event
		var us int64
		var keys, values []string
		var results int32
		err := rows.Scan(&us, &e.Site, &e.Name, &e.Visitor, &e.Path, &e.Hostname, &e.Referrer,
			&e.Source, &e.Medium, &e.Campaign, &e.Browser, &e.BrowserVersion, &e.OS, &e.Device, &e.Screen, &e.Language,
			&e.Country, &e.Network, &keys, &values, &e.Search, &results, &e.Link)
		if err != nil {
			t.Fatal(err)
		}
		e.Time = time.UnixMicro(us).UTC()
		e.Results = int(results)
		for i, k := range keys {
			if e.Props == nil {
				e.Props = make(map[string]string)
			}
			e.Props[k] = values[i]
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return events, true
}
