package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
)

// BenchmarkRollupDay measures rolling up one UTC day of 30,000 events on
// SQLite, what the hourly rollup of a site with a million events a month
// redoes at the end of each day.
func BenchmarkRollupDay(b *testing.B) {
	ctx := context.Background()
	db := storetest.SQLite(b)
	s := newTestStore(b, db)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	writeAll(b, s, generateEvents(b, 1, "demo.localhost", day, day.AddDate(0, 0, 1), 30_000), 1000)
	b.ReportAllocs()
	for b.Loop() {
		// Rewinding the marks makes every run redo the whole day.
		if _, err := db.ExecContext(ctx, `UPDATE analytics_sites SET rolled_until = $1`, day); err != nil {
			b.Fatal(err)
		}
		if err := s.Rollup(ctx, day.AddDate(0, 0, 2)); err != nil {
			b.Fatal(err)
		}
	}
}
