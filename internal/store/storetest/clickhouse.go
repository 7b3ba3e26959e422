package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/testenv"
)

// Environment variables for the ClickHouse tests, which are skipped
// without a server just as the PostgreSQL ones are.
const (
	// EnvClickHouse holds the URL of a ClickHouse server
	// (clickhouse://127.0.0.1:9001/default) whose user may create
	// databases.
	EnvClickHouse = "NOREN_TEST_CLICKHOUSE"
	// EnvRequireClickHouse, set to a true value such as 1, turns a missing
	// EnvClickHouse into a failure instead of a skip; CI=true does the
	// same.
	EnvRequireClickHouse = "NOREN_REQUIRE_CLICKHOUSE"
	// EnvClickHouseCluster names a ClickHouse cluster for the tests of the
	// sharded store: the cluster's name, then the URL of one server of
	// each shard, separated by spaces
	// ("noren clickhouse://127.0.0.1:9002/default clickhouse://127.0.0.1:9003/default").
	// EnvRequireClickHouse makes it required too.
	EnvClickHouseCluster = "NOREN_TEST_CLICKHOUSE_CLUSTER"
)

// ClickHouse returns the URL of a new, empty ClickHouse database, dropped
// when tb ends. Without EnvClickHouse it skips tb, or fails it when
// testenv.Required(EnvRequireClickHouse).
func ClickHouse(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvClickHouse)
	if server == "" {
		const hint = "run scripts/clickhouse.sh and export the line it prints"
		if testenv.Required(EnvRequireClickHouse) {
			tb.Fatalf("storetest: %s is not set, and ClickHouse is required here (%s or %s is true); %s", EnvClickHouse, testenv.CIEnv, EnvRequireClickHouse, hint)
		}
		tb.Skipf("storetest: %s is not set, so the ClickHouse tests are skipped; %s", EnvClickHouse, hint)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", EnvClickHouse, err)
	}

	// Lower-case base32 letters and digits need no quoting in SQL.
	name := "noren_test_" + strings.ToLower(rand.Text())
	if err := onClickHouse(server, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := onClickHouse(server, "DROP DATABASE IF EXISTS "+name); err != nil {
			tb.Errorf("storetest: %v", err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// ClickHouseClusterDB is a database on every server of a ClickHouse
// cluster.
type ClickHouseClusterDB struct {
	// Cluster is the cluster's name in the servers' remote_servers.
	Cluster string
	// Shards are the URLs of the database on one server of each shard.
	Shards []string
}

// ClickHouseCluster returns a new, empty database of the same name on
// every shard of the cluster EnvClickHouseCluster names, dropped when tb
// ends. Without EnvClickHouseCluster it skips tb, or fails it when
// testenv.Required(EnvRequireClickHouse).
func ClickHouseCluster(tb testing.TB) ClickHouseClusterDB {
	tb.Helper()
	fields := strings.Fields(os.Getenv(EnvClickHouseCluster))
	if len(fields) == 0 {
		const hint = "run scripts/clickhouse.sh --cluster and export the line it prints"
		if testenv.Required(EnvRequireClickHouse) {
			tb.Fatalf("storetest: %s is not set, and ClickHouse is required here (%s or %s is true); %s", EnvClickHouseCluster, testenv.CIEnv, EnvRequireClickHouse, hint)
		}
		tb.Skipf("storetest: %s is not set, so the ClickHouse cluster tests are skipped; %s", EnvClickHouseCluster, hint)
	}
	if len(fields) < 2 {
		tb.Fatalf("storetest: %s=%q: want a cluster name, then the URL of each shard", EnvClickHouseCluster, os.Getenv(EnvClickHouseCluster))
	}
	db := ClickHouseClusterDB{Cluster: fields[0]}
	name := "noren_test_" + strings.ToLower(rand.Text())
	for _, server := range fields[1:] {
		u, err := url.Parse(server)
		if err != nil {
			tb.Fatalf("storetest: %s: %v", EnvClickHouseCluster, err)
		}
		if err := onClickHouse(server, "CREATE DATABASE "+name); err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		tb.Cleanup(func() {
			if err := onClickHouse(server, "DROP DATABASE IF EXISTS "+name); err != nil {
				tb.Errorf("storetest: %v", err)
			}
		})
		u.Path = "/" + name
		db.Shards = append(db.Shards, u.String())
	}
	return db
}

// onClickHouse runs one statement on a connection of its own.
func onClickHouse(server, statement string) error {
	opts, err := clickhouse.ParseDSN(server)
	if err != nil {
		return fmt.Errorf("%s: %w", server, err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	defer conn.Close()
	if err := conn.Exec(context.Background(), statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}
