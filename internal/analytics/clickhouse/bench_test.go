package clickhouse

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
)

// Environment variables of BenchmarkDashboard.
const (
	// EnvBenchEvents sets how many events it loads.
	EnvBenchEvents = "NOREN_BENCH_EVENTS"
	// EnvBenchClickHouse names a database (a clickhouse:// URL) to use
	// instead of a fresh one, kept afterwards: events are loaded only when
	// it holds none, so that runs after the first start at once.
	EnvBenchClickHouse = "NOREN_BENCH_CLICKHOUSE"
)

// BenchmarkDashboard loads NOREN_BENCH_EVENTS generated events (100,000
// unless set) over 30 days into ClickHouse, rolls them up, and times the
// queries of a dashboard for the whole range: totals, a daily series, the
// top pages and sources, the same ending within an hour, and the top
// pages of one country.
func BenchmarkDashboard(b *testing.B) {
	n := 100_000
	if v := os.Getenv(EnvBenchEvents); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("%s: %v", EnvBenchEvents, err)
		}
	}
	ctx := context.Background()
	jst := time.FixedZone("JST", 9*3600)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, jst)
	to := from.AddDate(0, 0, 30)
	var s *Store
	if dsn := os.Getenv(EnvBenchClickHouse); dsn != "" {
		var err error
		if s, err = Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
	} else {
		s = newTestStore(b)
	}
	if stored := count(b, s, "analytics_events"); stored == 0 {
		start := time.Now()
		if err := loadGenerated(ctx, s, "demo.localhost", from, to, n, 100_000); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d events in %s", n, time.Since(start).Round(time.Millisecond))
	} else {
		b.Logf("using the %d events already stored", stored)
	}
	start := time.Now()
	if err := s.Rollup(ctx, to.Add(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.Logf("rolled up in %s", time.Since(start).Round(time.Millisecond))
	f := analytics.Filter{Site: "demo.localhost", From: from, To: to, Location: jst}
	queries := []struct {
		name string
		run  func() error
	}{
		{"totals", func() error { _, err := s.Totals(ctx, f); return err }},
		{"series-day", func() error { _, err := s.Series(ctx, f, "day"); return err }},
		{"top-path", func() error { _, err := s.Top(ctx, f, "path", 10); return err }},
		{"top-source", func() error { _, err := s.Top(ctx, f, "source", 10); return err }},
		// A range ending within an hour reads that hour's day raw.
		{"totals-to-the-minute", func() error {
			g := f
			g.To = g.To.Add(-17 * time.Minute)
			_, err := s.Totals(ctx, g)
			return err
		}},
		{"top-path-to-the-minute", func() error {
			g := f
			g.To = g.To.Add(-17 * time.Minute)
			_, err := s.Top(ctx, g, "path", 10)
			return err
		}},
		{"top-path-where-country", func() error {
			g := f
			g.Where = map[string]string{"country": "JP"}
			_, err := s.Top(ctx, g, "path", 10)
			return err
		}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// loadGenerated writes n generated events of site in batches of batch,
// without holding them all in memory.
func loadGenerated(ctx context.Context, w analytics.Writer, site string, from, to time.Time, n, batch int) error {
	buf := make([]analytics.Event, 0, batch)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := w.WriteEvents(ctx, buf)
		buf = buf[:0]
		return err
	}
	err := analytics.Generate(1, site, from, to, n, func(e analytics.Event) error {
		buf = append(buf, e)
		if len(buf) == batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load %d events: %w", n, err)
	}
	return flush()
}
