package main

import (
	"context"

	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/config"
)

// openClickHouse opens the ClickHouse store analytics names: on one
// server, or sharded over analytics.clickhouse_cluster.
func openClickHouse(ctx context.Context, a config.Analytics) (*clickhouse.Store, error) {
	if a.ClickHouseCluster == "" {
		return clickhouse.Open(ctx, a.ClickHouseURL)
	}
	return clickhouse.OpenCluster(ctx, a.ClickHouseURL, clickhouse.Cluster{Name: a.ClickHouseCluster, Shards: a.ClickHouseShards})
}
