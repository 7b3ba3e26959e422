package clickhouse

import (
	"context"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/store/storetest"
)

// testDB is a fresh database of one ClickHouse server or of the test
// cluster.
type testDB struct {
	t *testing.T
	// shards are the database's URLs on a server of each shard: one on
	// one server.
	shards []string
	// local is what the store appends to its tables' names on each
	// shard's server.
	local string
	// cluster is the test cluster's name, or empty.
	cluster string
	opener  func(dsn string) (*Store, error)
	next    int
}

// open opens a store on the database, closed when the test ends; on the
// cluster each call reaches it through the next shard's server, as
// instances pointed at different servers do.
func (db *testDB) open() *Store {
	db.t.Helper()
	s, err := db.opener(db.shards[db.next%len(db.shards)])
	db.next++
	if err != nil {
		db.t.Fatal(err)
	}
	db.t.Cleanup(func() {
		if err := s.Close(); err != nil {
			db.t.Error(err)
		}
	})
	return s
}

// conn returns a connection to the database on the server of shard i,
// closed when the test ends.
func (db *testDB) conn(i int) ch.Conn {
	db.t.Helper()
	opts, err := ch.ParseDSN(db.shards[i])
	if err != nil {
		db.t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		db.t.Fatal(err)
	}
	db.t.Cleanup(func() { conn.Close() })
	return conn
}

// clusterDB returns a fresh database of the test cluster, or skips t as
// storetest.ClickHouseCluster does.
func clusterDB(t *testing.T) *testDB {
	c := storetest.ClickHouseCluster(t)
	return &testDB{t: t, shards: c.Shards, local: localSuffix, cluster: c.Cluster, opener: func(dsn string) (*Store, error) {
		return OpenCluster(context.Background(), dsn, Cluster{Name: c.Cluster, Shards: c.Shards})
	}}
}

// eachDB runs test on a fresh database of one ClickHouse server and on
// one of the test cluster.
func eachDB(t *testing.T, test func(t *testing.T, db *testDB)) {
	servers := []struct {
		name  string
		fresh func(t *testing.T) *testDB
	}{
		{"server", func(t *testing.T) *testDB {
			return &testDB{t: t, shards: []string{storetest.ClickHouse(t)}, opener: func(dsn string) (*Store, error) {
				return Open(context.Background(), dsn)
			}}
		}},
		{"cluster", clusterDB},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			test(t, srv.fresh(t))
		})
	}
}

// eachServer runs test on a fresh database of one ClickHouse server and
// on one of the test cluster, where open opens a store (testDB.open).
func eachServer(t *testing.T, test func(t *testing.T, open func() *Store)) {
	eachDB(t, func(t *testing.T, db *testDB) { test(t, db.open) })
}
