package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
	// Built-in zone data, so that the zones with summer time load on any
	// machine.
	_ "time/tzdata"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func countRows(t *testing.T, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// otherStore is a backend of a package that imports this one, whose
// tests cannot be imported here: the external tests add it (see
// AddTestStore) so that the store tests of this package run on it too.
type otherStore struct {
	name string
	// open returns a fresh store, or skips tb without its server.
	open func(tb testing.TB) Store
	// events reads back every event s holds, in time order, or reports
	// false when s is not a store of this backend.
	events func(t *testing.T, s Store) ([]Event, bool)
}

// otherStores are the backends added by the external tests' init.
var otherStores []otherStore

// eachStore runs fn once per backend, as subtests named "sqlite",
// "postgres" and those of otherStores ("clickhouse"), each with a fresh
// store; PostgreSQL and ClickHouse are skipped without their servers (see
// storetest).
func eachStore(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, newTestStore(t, db)) })
	for _, o := range otherStores {
		t.Run(o.name, func(t *testing.T) { fn(t, o.open(t)) })
	}
}

// TestWriteEventsKeepsEveryField checks that every field of an event,
// including unsigned ids with the top bit set and text that needs JSON
// escaping, is stored as given.
func TestWriteEventsKeepsEveryField(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		e := Event{
			Time: time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC), Site: "demo.localhost", Name: "search",
			Visitor: 1<<63 + 5, Path: "/ja/検索/", Hostname: "demo.localhost",
			Referrer: `example.com/"quoted"\path`, Source: "Yahoo! JAPAN", Medium: "organic", Campaign: "春\n2026",
			Browser: "Samsung Internet", BrowserVersion: "28", OS: "Android", Device: "mobile", Screen: "small",
			Language: "ja", Country: "JP", Network: "example.net", Props: map[string]string{"k": "v\"", "空": ""},
			Search: "助成金 \t締め切り", Results: 0, Link: "https://example.com/?a=1&b=<2>",
		}
		if err := s.WriteEvents(ctx, []Event{e}); err != nil {
			t.Fatal(err)
		}
		stored := storedEvents(t, s)
		want := e
		want.Time = e.Time.Truncate(time.Microsecond)
		if len(stored) != 1 || !reflect.DeepEqual(stored[0], want) {
			t.Errorf("stored\n%+v\nwant\n%+v", stored, want)
		}
		if sql, ok := s.(*SQLStore); ok {
			var props string
			if err := sql.db.QueryRowContext(ctx, `SELECT props FROM analytics_events`).Scan(&props); err != nil {
				t.Fatal(err)
			}
			if props != `{"k":"v\"","空":""}` {
				t.Errorf("props stored as %s", props)
			}
		}
	})
}

// storedEvents reads back every event s holds, in time order.
func storedEvents(t *testing.T, s Store) []Event {
	t.Helper()
	sql, ok := s.(*SQLStore)
	if !ok {
		for _, o := range otherStores {
			if events, ok := o.events(t, s); ok {
				return events
			}
		}
		t.Fatalf("no backend reads the events of a %T", s)
	}
	db := sql.db
	rows, err := db.QueryContext(context.Background(), `SELECT time, site, name, visitor, path, hostname, referrer, source, medium,
		campaign, browser, browser_version, os, device, screen, language, country, network, props, search, results, link
		FROM analytics_events ORDER BY time, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var got Event
		var visitor int64
		var props string
		err := rows.Scan(&got.Time, &got.Site, &got.Name, &visitor, &got.Path, &got.Hostname,
			&got.Referrer, &got.Source, &got.Medium, &got.Campaign, &got.Browser, &got.BrowserVersion, &got.OS, &got.Device,
			&got.Screen, &got.Language, &got.Country, &got.Network, &props, &got.Search, &got.Results, &got.Link)
		if err != nil {
			t.Fatal(err)
		}
		got.Visitor = uint64(visitor)
		if err := json.Unmarshal([]byte(props), &got.Props); err != nil {
			t.Fatalf("props stored as %s: %v", props, err)
		}
		if len(got.Props) == 0 {
			got.Props = nil
		}
		events = append(events, got)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return events
}

// TestWriteEventsRefusesInvalidBatches checks that a batch holding an
// event without a site is refused whole, and that an empty batch is no
// error.
func TestWriteEventsRefusesInvalidBatches(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		good := Event{Site: "demo.localhost", Name: "pageview", Time: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Path: "/"}
		if err := s.WriteEvents(ctx, []Event{good, {Name: "pageview", Time: good.Time}}); err == nil {
			t.Error("an event without a site was stored")
		}
		if err := s.WriteEvents(ctx, nil); err != nil {
			t.Errorf("empty batch: %v", err)
		}
		if n := len(storedEvents(t, s)); n != 0 {
			t.Errorf("%d events stored from a refused batch", n)
		}
	})
}

// TestWriteEventsRefusesDaysAlreadyThinned checks that a batch holding an
// event from before the raw events SQLStore retains is refused whole.
func TestWriteEventsRefusesDaysAlreadyThinned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newTestStore(t, db)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		old := Event{Site: "demo.localhost", Name: "pageview", Time: day.Add(time.Hour), Path: "/"}
		if err := s.WriteEvents(ctx, []Event{old}); err != nil {
			t.Fatal(err)
		}
		if err := rollUp(ctx, s, day.AddDate(0, 0, 3)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Retain(ctx, day.AddDate(0, 0, 2)); err != nil {
			t.Fatal(err)
		}
		recent := old
		recent.Time = day.AddDate(0, 0, 2).Add(time.Hour)
		err := s.WriteEvents(ctx, []Event{recent, old})
		if !errors.Is(err, ErrTooOld) {
			t.Errorf("WriteEvents with an event before the retained ones: %v, want ErrTooOld", err)
		}
		if n := countRows(t, db, `SELECT count(*) FROM analytics_events`); n != 0 {
			t.Errorf("%d events stored from a refused batch", n)
		}
	})
}

// TestLateEventsAreRolledUpAgain checks that events arriving for hours
// already rolled up are counted once the next rollup has run, and counted
// from raw events until then, on every backend.
func TestLateEventsAreRolledUpAgain(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		roller := s.(interface {
			Rollup(ctx context.Context, now time.Time) error
		})
		rollup := func() {
			t.Helper()
			if err := rollUp(ctx, roller, from.AddDate(0, 0, 4)); err != nil {
				t.Fatal(err)
			}
		}
		events := generateEvents(t, 3, "demo.localhost", from, from.AddDate(0, 0, 3), 900)
		// Every tenth event arrives after the rollup.
		var onTime, late []Event
		for i, e := range events {
			if i%10 == 0 {
				late = append(late, e)
			} else {
				onTime = append(onTime, e)
			}
		}
		writeAll(t, s, onTime, 200)
		rollup()
		writeAll(t, s, late, 200)
		x := newExpectation(events)
		f := Filter{Site: "demo.localhost", From: from, To: from.AddDate(0, 0, 3)}
		check := func(when string) {
			t.Helper()
			if got, want := mustTotals(t, s, f), x.totals(f); got != want {
				t.Errorf("%s: Totals = %+v, want %+v", when, got, want)
			}
			got, err := s.Top(ctx, f, "path", 5)
			if want := x.top(f, "path", 5); err != nil || !equalRows(got, want) {
				t.Errorf("%s: Top = %+v, %v; want %+v", when, got, err, want)
			}
		}
		check("before the next rollup")
		rollup()
		check("after the next rollup")
		sql, ok := s.(*SQLStore)
		if !ok {
			return
		}
		if n := countRows(t, sql.db, `SELECT count(*) FROM analytics_sites WHERE rolled_until < $1`, from.AddDate(0, 0, 3)); n != 0 {
			t.Errorf("rollups not brought up to date again")
		}
	})
}

func mustTotals(t *testing.T, s Reader, f Filter) Totals {
	t.Helper()
	got, err := s.Totals(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func equalRows(a, b []Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRealtime counts the visitors of the last 30 minutes only, per site.
func TestRealtime(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var events []Event
		for i, ago := range []time.Duration{0, time.Minute, 29 * time.Minute, 30 * time.Minute, 2 * time.Hour} {
			events = append(events, Event{Site: "demo.localhost", Name: "pageview", Time: now.Add(-ago), Visitor: uint64(i)})
		}
		// A second event of visitor 0, and another site's visitor.
		events = append(events,
			Event{Site: "demo.localhost", Name: "pageview", Time: now.Add(-5 * time.Minute), Visitor: 0},
			Event{Site: "other.localhost", Name: "pageview", Time: now, Visitor: 9})
		if err := s.WriteEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
		got, err := s.Realtime(ctx, "demo.localhost", now)
		if err != nil || got != 3 {
			t.Errorf("Realtime = %d, %v; want 3", got, err)
		}
	})
}

// TestQueryValidation checks the errors for queries that make no sense.
func TestQueryValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) { checkQueryValidation(t, s) })
}

func checkQueryValidation(t *testing.T, s Reader) {
	ctx := context.Background()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ok := Filter{Site: "demo.localhost", From: from, To: from.AddDate(0, 0, 1)}
	if _, err := s.Top(ctx, ok, "colour", 10); !errors.Is(err, ErrUnknownDimension) {
		t.Errorf("Top of an unknown dimension: %v", err)
	}
	bad := ok
	bad.Where = map[string]string{"colour": "red"}
	if _, err := s.Totals(ctx, bad); !errors.Is(err, ErrUnknownDimension) {
		t.Errorf("filter on an unknown dimension: %v", err)
	}
	if _, err := s.Series(ctx, ok, "week"); err == nil {
		t.Error("Series accepted interval week")
	}
	backwards := ok
	backwards.From, backwards.To = ok.To, ok.From
	if _, err := s.Totals(ctx, backwards); err == nil {
		t.Error("Totals accepted a range that ends before it starts")
	}
	if _, err := s.Totals(ctx, Filter{From: ok.From, To: ok.To}); err == nil {
		t.Error("Totals accepted a filter without a site")
	}
	long := ok
	long.To = from.AddDate(5, 0, 0)
	if _, err := s.Series(ctx, long, "hour"); err == nil {
		t.Error("Series accepted 43,800 hourly points")
	}
	if got, err := s.Series(ctx, Filter{Site: "x", From: from, To: from}, "day"); err != nil || len(got) != 0 {
		t.Errorf("Series of an empty range = %v, %v", got, err)
	}
}

// TestPrevious checks the period a comparison is made with.
func TestPrevious(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, jst) }
	tests := []struct {
		name             string
		from, to         time.Time
		wantFrom, wantTo time.Time
	}{
		{"a week", day(3, 9), day(3, 16), day(3, 2), day(3, 9)},
		{"a month of 31 days", day(3, 1), day(4, 1), day(1, 29), day(3, 1)},
		{"an hour", day(3, 9).Add(10 * time.Hour), day(3, 9).Add(11 * time.Hour), day(3, 9).Add(9 * time.Hour), day(3, 9).Add(10 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Filter{Site: "s", From: tt.from, To: tt.to, Location: jst}.Previous()
			if !p.From.Equal(tt.wantFrom) || !p.To.Equal(tt.wantTo) || p.Site != "s" {
				t.Errorf("Previous = %s–%s, want %s–%s", p.From, p.To, tt.wantFrom, tt.wantTo)
			}
		})
	}
	// Across the end of summer time in New York a day is 25 hours long,
	// and the day before it 24.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 2, 0, 0, 0, 0, ny)
	p := Filter{From: from, To: to, Location: ny}.Previous()
	if want := time.Date(2026, 10, 31, 0, 0, 0, 0, ny); !p.From.Equal(want) {
		t.Errorf("Previous of a 25-hour day starts %s, want %s", p.From, want)
	}
}

// BenchmarkWriteEvents measures storing batches of 1,000 generated events
// on every backend.
func BenchmarkWriteEvents(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) { benchmarkWrites(b, newTestStore(b, storetest.Open(b, d))) })
	}
	for _, o := range otherStores {
		b.Run(o.name, func(b *testing.B) { benchmarkWrites(b, o.open(b)) })
	}
}

func benchmarkWrites(b *testing.B, s Writer) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := generateEvents(b, 1, "demo.localhost", from, from.AddDate(0, 0, 30), 100_000)
	b.ReportAllocs()
	batches := 0
	for b.Loop() {
		start := (batches * 1000) % len(events)
		if err := s.WriteEvents(context.Background(), events[start:start+1000]); err != nil {
			b.Fatal(err)
		}
		batches++
	}
	b.ReportMetric(float64(batches*1000)/b.Elapsed().Seconds(), "events/s")
}

// TestRetainSiteWithoutEvents checks that retention past a site whose raw
// events are all gone succeeds, moving the site's mark, instead of failing
// for want of a first event and leaving the sites after it unretained.
func TestRetainSiteWithoutEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newTestStore(t, db)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for _, site := range []string{"a.localhost", "b.localhost"} {
			if err := s.WriteEvents(ctx, []Event{{Site: site, Name: "pageview", Time: day.Add(time.Hour)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := rollUp(ctx, s, day.AddDate(0, 0, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Retain(ctx, day.AddDate(0, 0, 3)); err != nil {
			t.Fatal(err)
		}
		late := Event{Site: "b.localhost", Name: "pageview", Time: day.AddDate(0, 0, 6).Add(time.Hour)}
		if err := s.WriteEvents(ctx, []Event{late}); err != nil {
			t.Fatal(err)
		}
		if err := rollUp(ctx, s, day.AddDate(0, 0, 10)); err != nil {
			t.Fatal(err)
		}
		n, err := s.Retain(ctx, day.AddDate(0, 0, 8))
		if err != nil || n != 1 {
			t.Fatalf("Retain past a site without events deleted %d events, %v; want the other site's one", n, err)
		}
		m, err := s.site(ctx, "a.localhost")
		if want := day.AddDate(0, 0, 8); err != nil || !m.rawFrom.Equal(want) {
			t.Errorf("raw events of the site without any kept from %s, %v; want %s", m.rawFrom, err, want)
		}
	})
}
