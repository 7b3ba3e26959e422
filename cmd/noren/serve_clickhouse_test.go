package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestServeWithClickHouseCluster runs noren serve on the sharded
// ClickHouse store, configured from the environment: events posted before
// SIGTERM are on the cluster afterwards, read through another shard's
// server than the one the instance wrote to.
func TestServeWithClickHouseCluster(t *testing.T) {
	db := storetest.ClickHouseCluster(t)
	p := startWith(t, []string{
		"NOREN_ANALYTICS_BACKEND=clickhouse",
		"NOREN_ANALYTICS_CLICKHOUSE_URL=" + db.Shards[0],
		"NOREN_ANALYTICS_CLICKHOUSE_CLUSTER=" + db.Cluster,
		"NOREN_ANALYTICS_CLICKHOUSE_SHARDS=" + strings.Join(db.Shards, ","),
		"NOREN_SITE_DOMAIN=demo.localhost",
	}, "serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", "../../web/demo/manifest.yaml",
		"--site-root", "../../web/demo/site", "--trusted-proxies", "127.0.0.0/8")
	for i := range 20 {
		status, err := postEvent(http.DefaultClient, p.url, fmt.Sprintf("/ch/%d", i), fmt.Sprintf("198.51.100.%d", i), firefox)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("status %d, %v", status, err)
		}
	}
	stop(t, p, syscall.SIGTERM)

	ctx := context.Background()
	s, err := clickhouse.OpenCluster(ctx, db.Shards[len(db.Shards)-1], clickhouse.Cluster{Name: db.Cluster, Shards: db.Shards})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	totals, err := s.Totals(ctx, analytics.Filter{Site: "demo.localhost", From: now.Add(-time.Hour), To: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if totals.Pageviews != 20 || totals.Visitors != 20 {
		t.Errorf("the cluster holds %d pageviews of %d visitors, want 20 of 20", totals.Pageviews, totals.Visitors)
	}
}
