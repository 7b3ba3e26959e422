package analytics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
)

// newClickHouseTestStore returns a store on a fresh ClickHouse database,
// or skips tb as storetest.ClickHouse does.
func newClickHouseTestStore(tb testing.TB) *ClickHouseStore {
	tb.Helper()
	dsn := storetest.ClickHouse(tb)
	s, err := NewClickHouseStore(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// storedClickHouseEvents reads back every event s holds, in time order.
func storedClickHouseEvents(t *testing.T, s *ClickHouseStore) []Event {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), `SELECT time_us, site, name, visitor, session, path, hostname, referrer,
		source, medium, campaign, browser, browser_version, os, device, screen, language, country, network,
		props.key, props.value, search, results, link
		FROM analytics_events ORDER BY time_us`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var e Event
		var us int64
		var keys, values []string
		var results int32
		err := rows.Scan(&us, &e.Site, &e.Name, &e.Visitor, &e.Session, &e.Path, &e.Hostname, &e.Referrer,
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
	return events
}

// TestClickHouseSchemaIsIdempotent checks that opening a store on a
// database that already holds the table keeps its events.
func TestClickHouseSchemaIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.ClickHouse(t)
	first, err := NewClickHouseStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	e := Event{Site: "demo.localhost", Name: "pageview", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Path: "/"}
	if err := first.WriteEvents(ctx, []Event{e}); err != nil {
		t.Fatal(err)
	}
	second, err := NewClickHouseStore(ctx, dsn)
	if err != nil {
		t.Fatalf("opening an existing store: %v", err)
	}
	defer second.Close()
	got, err := second.Totals(ctx, Filter{Site: e.Site, From: e.Time, To: e.Time.Add(time.Hour)})
	if err != nil || got.Pageviews != 1 {
		t.Errorf("Totals after reopening = %+v, %v; want the event kept", got, err)
	}
}

// TestClickHouseRefusesTimesItCannotStore checks that events outside the
// years of a ClickHouse DateTime are refused with their batch.
func TestClickHouseRefusesTimesItCannotStore(t *testing.T) {
	s := newClickHouseTestStore(t)
	ctx := context.Background()
	good := Event{Site: "demo.localhost", Name: "pageview", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
	for _, at := range []time.Time{{}, time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2106, 3, 1, 0, 0, 0, 0, time.UTC)} {
		bad := good
		bad.Time = at
		if err := s.WriteEvents(ctx, []Event{good, bad}); err == nil {
			t.Errorf("an event at %s was accepted", at)
		}
	}
	if n := len(storedClickHouseEvents(t, s)); n != 0 {
		t.Errorf("%d events stored from refused batches", n)
	}
}

// TestClickHouseRefusesEventsBeforeRetention: once Retain has deleted the
// raw events before a day, a late event from before it is refused with
// ErrTooOld, as on the SQL store, and one after it is taken.
func TestClickHouseRefusesEventsBeforeRetention(t *testing.T) {
	s := newClickHouseTestStore(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	if _, err := s.Retain(ctx, day); err != nil {
		t.Fatal(err)
	}
	old := Event{Site: "demo.localhost", Name: "pageview", Path: "/old", Time: day.Add(-time.Hour)}
	fresh := Event{Site: "demo.localhost", Name: "pageview", Path: "/fresh", Time: day.Add(time.Hour)}
	if err := s.WriteEvents(ctx, []Event{fresh, old}); !errors.Is(err, ErrTooOld) {
		t.Errorf("a batch with an event before the cut-off: %v, want ErrTooOld", err)
	}
	if err := s.WriteEvents(ctx, []Event{fresh}); err != nil {
		t.Fatal(err)
	}
	if n := len(storedClickHouseEvents(t, s)); n != 1 {
		t.Errorf("%d events stored, want the fresh one", n)
	}
}

// TestClickHouseInvalidUTF8 checks that text that is not UTF-8 is stored
// as SQLStore stores it, each bad byte replaced by U+FFFD.
func TestClickHouseInvalidUTF8(t *testing.T) {
	for in, want := range map[string]string{
		"":            "",
		"/ja/":        "/ja/",
		"a\xffb":      "a\uFFFDb",
		"\xe3\x81":    "\uFFFD\uFFFD",
		"検索\xc0\xaf!": "検索\uFFFD\uFFFD!",
	} {
		if got := validUTF8(in); got != want {
			t.Errorf("validUTF8(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBucketGrain checks the slot length the collect query counts in,
// which must never let a slot straddle two buckets of a series.
func TestBucketGrain(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	from, to := day.Add(17*time.Second), day.AddDate(0, 0, 20).Add(3*time.Millisecond)
	tests := []struct {
		name     string
		interval string
		loc      *time.Location
		want     time.Duration
	}{
		{"days in UTC", "day", time.UTC, 24 * time.Hour},
		{"days in Japan", "day", jst, time.Hour},
		{"days in India", "day", ist, 30 * time.Minute},
		{"hours in Nepal", "hour", time.FixedZone("NPT", 5*3600+45*60), 15 * time.Minute},
		{"months in UTC", "month", time.UTC, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, edges, err := seriesBuckets(Filter{From: from, To: to, Location: tt.loc}, tt.interval)
			if err != nil {
				t.Fatal(err)
			}
			if got := bucketGrain(edges); got != tt.want {
				t.Errorf("bucketGrain = %s, want %s", got, tt.want)
			}
		})
	}
	if got := bucketGrain([]time.Time{from, to}); got != 24*time.Hour {
		t.Errorf("bucketGrain of one bucket = %s, want a day", got)
	}
}

// TestSeriesAcrossSummerTime checks the days and hours of a
// series in a zone with summer time, where a day has 23 or 25 hours,
// against the figures computed from the events.
func TestSeriesAcrossSummerTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database")
	}
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		from, to := time.Date(2026, 3, 27, 0, 0, 0, 0, berlin), time.Date(2026, 3, 31, 0, 0, 0, 0, berlin)
		events := generateEvents(t, 11, "demo.localhost", from, to, 1500)
		writeAll(t, s, events, 500)
		x := newExpectation(events)
		for _, r := range [][2]time.Time{{from, to}, {from.Add(30 * time.Hour), to.Add(-20 * time.Hour)}} {
			for _, interval := range []string{"hour", "day"} {
				f := Filter{Site: "demo.localhost", From: r[0], To: r[1], Location: berlin}
				got, err := s.Series(ctx, f, interval)
				if want := x.series(f, interval); err != nil || !slices.Equal(got, want) {
					t.Errorf("Series(%s) %s–%s = %+v, %v;\nwant %+v", interval, r[0], r[1], got, err, want)
				}
			}
		}
	})
}

// TestClickHouseRollups checks every dashboard figure against those
// computed from the events with part of the range rolled up, with all of
// it, after late events touched rolled days (read raw until the next
// rollup, and rolled up again by it), and after retention, when the
// rollups answer for the deleted days.
func TestClickHouseRollups(t *testing.T) {
	s := newClickHouseTestStore(t)
	ctx := context.Background()
	events := generateEvents(t, 7, "demo.localhost", testFrom, testTo, 3000)
	var onTime, late []Event
	for i, e := range events {
		if i%10 == 0 {
			late = append(late, e)
		} else {
			onTime = append(onTime, e)
		}
	}
	writeAll(t, s, onTime, 500)
	writeAll(t, s, generateEvents(t, 8, "other.localhost", testFrom, testTo, 300), 300)
	rollup := func(now time.Time) {
		t.Helper()
		if err := s.Rollup(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	rolled := func() int {
		t.Helper()
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM analytics_rollup_days").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	rollup(time.Date(2026, 3, 9, 5, 30, 0, 0, time.UTC))
	if rolled() == 0 {
		t.Fatal("no day rolled up")
	}
	t.Run("on-time events rolled up to mid-range", func(t *testing.T) { checkDashboard(t, s, newExpectation(onTime), false) })
	rollup(testTo.Add(48 * time.Hour))
	t.Run("on-time events rolled up", func(t *testing.T) { checkDashboard(t, s, newExpectation(onTime), false) })

	x := newExpectation(events)
	writeAll(t, s, late, 500)
	t.Run("late events read raw", func(t *testing.T) { checkDashboard(t, s, x, false) })
	before := rolled()
	rollup(testTo.Add(48 * time.Hour))
	if rolled() == before {
		t.Error("the days late events touched were not rolled up again")
	}
	t.Run("late events rolled up", func(t *testing.T) { checkDashboard(t, s, x, false) })
	again := rolled()
	rollup(testTo.Add(72 * time.Hour))
	if rolled() != again {
		t.Error("days rolled up again with no new events")
	}

	if _, err := s.Retain(ctx, testTo.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Filter{
		{Site: "demo.localhost", From: testFrom, To: testTo},
		{Site: "demo.localhost", From: testFrom.Add(5 * time.Hour), To: testTo.Add(-7 * time.Hour), Where: map[string]string{"country": "JP"}},
	} {
		if got, want := mustTotals(t, s, f), x.totals(f); got != want {
			t.Errorf("Totals %v after retention = %+v, want %+v from the rollups", f.Where, got, want)
		}
	}
	rollup(testTo.Add(96 * time.Hour))
	if rolled() != again {
		t.Error("days before the retention cut-off rolled up again")
	}
}

// Environment variables of BenchmarkClickHouseDashboard.
const (
	// EnvBenchEvents sets how many events it loads.
	EnvBenchEvents = "NOREN_BENCH_EVENTS"
	// EnvBenchClickHouse names a database (a clickhouse:// URL) to use
	// instead of a fresh one, kept afterwards: events are loaded only when
	// it holds none, so that runs after the first start at once.
	EnvBenchClickHouse = "NOREN_BENCH_CLICKHOUSE"
)

// BenchmarkClickHouseDashboard loads NOREN_BENCH_EVENTS generated events
// (100,000 unless set) over 30 days into ClickHouse, rolls them up, and
// times the queries of a dashboard for the whole range: totals, a daily
// series, the top pages and sources, the same ending within an hour, and
// the top pages of one country.
func BenchmarkClickHouseDashboard(b *testing.B) {
	n := 100_000
	if v := os.Getenv(EnvBenchEvents); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("%s: %v", EnvBenchEvents, err)
		}
	}
	ctx := context.Background()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, jst)
	to := from.AddDate(0, 0, 30)
	var s *ClickHouseStore
	if dsn := os.Getenv(EnvBenchClickHouse); dsn != "" {
		var err error
		if s, err = NewClickHouseStore(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
	} else {
		s = newClickHouseTestStore(b)
	}
	var stored uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM analytics_events").Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored == 0 {
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
	f := Filter{Site: "demo.localhost", From: from, To: to, Location: jst}
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

// loadGenerated writes n generated events of site in batches of batch.
func loadGenerated(ctx context.Context, w Writer, site string, from, to time.Time, n, batch int) error {
	buf := make([]Event, 0, batch)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := w.WriteEvents(ctx, buf)
		buf = buf[:0]
		return err
	}
	err := Generate(1, site, from, to, n, func(e Event) error {
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
