package analytics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/testenv"
)

var (
	jst = time.FixedZone("JST", 9*3600)
	// ist's half-hour offset puts its midnights between UTC hours, which
	// the rollups cannot split.
	ist = time.FixedZone("IST", 5*3600+1800)
)

// testRange is the range of the generated test traffic.
var testFrom, testTo = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC)

func newTestStore(t testing.TB, db *store.DB) *SQLStore {
	t.Helper()
	s, err := NewSQLStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func generateEvents(t testing.TB, seed int64, site string, from, to time.Time, n int) []Event {
	t.Helper()
	var events []Event
	if err := Generate(seed, site, from, to, n, func(e Event) error {
		events = append(events, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return events
}

func writeAll(t testing.TB, s Writer, events []Event, batch int) {
	t.Helper()
	for len(events) > 0 {
		n := min(batch, len(events))
		if err := s.WriteEvents(context.Background(), events[:n]); err != nil {
			t.Fatal(err)
		}
		events = events[n:]
	}
}

// dashboardCase is one filter to check, and how much to check with it.
type dashboardCase struct {
	where map[string]string
	// topDims are the breakdowns to compare.
	topDims []string
}

func dashboardCases() []dashboardCase {
	return []dashboardCase{
		{where: nil, topDims: Dimensions()},
		{where: map[string]string{"country": "JP"}, topDims: []string{"path", "entry", "exit", "source", "country", "search-zero"}},
		{where: map[string]string{"path": "/ja/"}, topDims: []string{"path", "source", "exit"}},
		{where: map[string]string{"source": "Google"}, topDims: []string{"source", "country", "entry"}},
		{where: map[string]string{"source": ""}, topDims: []string{"path"}},
		{where: map[string]string{"entry": "/en/"}, topDims: []string{"path", "entry"}},
		{where: map[string]string{"device": "mobile", "language": "en"}, topDims: []string{"path", "os", "device"}},
		{where: map[string]string{"outbound": "https://www.jetro.go.jp/"}, topDims: []string{"outbound", "country"}},
		{where: map[string]string{"search-zero": "visa sponser"}, topDims: []string{"search"}},
	}
}

// dashboardRanges are the ranges checked in zone loc.
func dashboardRanges(loc *time.Location) map[string][2]time.Time {
	day := func(d int) time.Time { return time.Date(2026, 3, 1+d, 0, 0, 0, 0, loc) }
	return map[string][2]time.Time{
		"everything": {testFrom.Add(-24 * time.Hour), testTo.Add(24 * time.Hour)},
		"week":       {day(4), day(11)},
		"one day":    {day(8), day(9)},
		"odd hours":  {day(2).Add(10*time.Hour + 17*time.Minute), day(9).Add(18*time.Hour + 45*time.Minute)},
	}
}

// dashboardSample picks the combinations of zone, range and case that a
// check of the dashboard covers: one in every of. With of no more than the
// four ranges, each check still takes every case in every zone and every
// range, and parts 0 to of-1 together take every combination. The zero
// dashboardSample picks them all.
type dashboardSample struct {
	of, part int
}

// keep reports whether the sample holds the zone-th zone, the rng-th range
// in name order and the c-th case.
func (d dashboardSample) keep(zone, rng, c int) bool {
	return d.of <= 1 || (zone+rng+c)%d.of == d.part%d.of
}

// checkDashboardSample compares every figure the dashboard asks for, in
// the combinations of zone, range and case that sample picks, with the
// figures computed independently from events. With rollupsOnly it checks
// only queries the rollups can answer, and that the others fail for want
// of raw events.
func checkDashboardSample(t *testing.T, s Reader, x *expectation, rollupsOnly bool, sample dashboardSample) {
	t.Helper()
	ctx := context.Background()
	failures := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if failures++; failures <= 10 {
			t.Errorf(format, args...)
		}
	}
	for zone, loc := range []*time.Location{time.UTC, jst, ist} {
		ranges := dashboardRanges(loc)
		for rng, name := range slices.Sorted(maps.Keys(ranges)) {
			r := ranges[name]
			for ci, c := range dashboardCases() {
				if !sample.keep(zone, rng, ci) {
					continue
				}
				f := Filter{Site: "demo.localhost", From: r[0], To: r[1], Location: loc, Where: c.where}
				what := fmt.Sprintf("%s %s %v", loc, name, c.where)
				// Once the raw events are gone, only the queries the
				// rollups answer work: those filtering on one dimension
				// at most, with every edge on a UTC hour.
				aligned := f.From.Equal(f.From.Truncate(time.Hour)) && f.To.Equal(f.To.Truncate(time.Hour))
				if rollupsOnly && (!aligned || len(c.where) > 1) {
					if _, err := s.Totals(ctx, f); !errors.Is(err, ErrRawExpired) {
						fail("%s: Totals after retention: %v, want ErrRawExpired", what, err)
					}
					continue
				}

				got, err := s.Totals(ctx, f)
				if want := x.totals(f); err != nil || got != want {
					fail("%s: Totals = %+v, %v; want %+v", what, got, err, want)
				}
				if !rollupsOnly {
					prev := f.Previous()
					got, err := s.Totals(ctx, prev)
					if want := x.totals(prev); err != nil || got != want {
						fail("%s: previous period %s–%s: Totals = %+v, %v; want %+v", what, prev.From, prev.To, got, err, want)
					}
				}

				intervals := []string{"day"}
				switch name {
				case "one day":
					intervals = append(intervals, "hour")
				case "everything":
					intervals = append(intervals, "month")
				}
				for _, interval := range intervals {
					if rollupsOnly && loc == ist {
						if _, err := s.Series(ctx, f, interval); !errors.Is(err, ErrRawExpired) {
							fail("%s: Series(%s) after retention: %v, want ErrRawExpired", what, interval, err)
						}
						continue
					}
					got, err := s.Series(ctx, f, interval)
					if want := x.series(f, interval); err != nil || !reflect.DeepEqual(got, want) {
						fail("%s: Series(%s) = %+v, %v;\nwant %+v", what, interval, got, err, want)
					}
				}
				for _, dim := range c.topDims {
					if _, same := c.where[dim]; rollupsOnly && len(c.where) == 1 && !same {
						if _, err := s.Top(ctx, f, dim, 0); !errors.Is(err, ErrRawExpired) {
							fail("%s: Top(%s) after retention: %v, want ErrRawExpired", what, dim, err)
						}
						continue
					}
					limits := []int{0}
					if dim == "path" {
						limits = append(limits, 3)
					}
					for _, limit := range limits {
						got, err := s.Top(ctx, f, dim, limit)
						if want := x.top(f, dim, limit); err != nil || !reflect.DeepEqual(got, want) {
							fail("%s: Top(%s, %d) = %+v, %v;\nwant %+v", what, dim, limit, got, err, want)
						}
					}
				}
			}
		}
	}
	if failures > 10 {
		t.Errorf("… and %d more differences", failures-10)
	}
}

// TestDashboardMatchesGeneratedEvents is the acceptance test: the
// dashboard's figures equal those computed independently from the
// generated events. On SQLite and PostgreSQL they do before any rollup,
// with rollups covering part of the range (the rest read raw), with
// everything rolled up, and after the raw events are gone. On ClickHouse
// this test reads raw events only, and finds nothing once they are gone;
// TestDayRollups checks its rollups the same way.
//
// Every stage checks every case in every zone and range, but only a
// quarter of their combinations, a different quarter at each stage;
// testenv.FullEnv makes every stage check them all.
func TestDashboardMatchesGeneratedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("an oracle over generated events, not a test of concurrency: run in full, without -short")
	}
	sampleOf := 4
	if testenv.Full() {
		sampleOf = 1
	}
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		events := generateEvents(t, 7, "demo.localhost", testFrom, testTo, 3000)
		writeAll(t, s, events, 500)
		x := newExpectation(events)
		// Another site's events must not leak into the figures.
		writeAll(t, s, generateEvents(t, 8, "other.localhost", testFrom, testTo, 300), 300)

		sql, rollups := s.(*SQLStore)
		part := 0
		for _, stage := range []struct {
			name string
			now  time.Time
		}{
			{"raw events only", time.Time{}},
			// The afternoon in Japan, when the test traffic is busiest.
			{"rolled up to mid-day", time.Date(2026, 3, 9, 5, 30, 0, 0, time.UTC)},
			{"rolled up again within the hour", time.Date(2026, 3, 9, 5, 47, 0, 0, time.UTC)},
			{"rolled up to the next hour", time.Date(2026, 3, 9, 6, 3, 0, 0, time.UTC)},
			{"rolled up", testTo.Add(48 * time.Hour)},
		} {
			if !stage.now.IsZero() {
				if !rollups {
					continue
				}
				if err := rollUp(ctx, sql, stage.now); err != nil {
					t.Fatal(err)
				}
			}
			sample := dashboardSample{of: sampleOf, part: part}
			part++
			t.Run(stage.name, func(t *testing.T) { checkDashboardSample(t, s, x, false, sample) })
		}

		n, err := s.Retain(ctx, testTo.Add(72*time.Hour))
		if err != nil || n != int64(len(events)+300) {
			t.Fatalf("Retain deleted %d events, %v; want all %d", n, err, len(events)+300)
		}
		if rollups {
			sample := dashboardSample{of: sampleOf, part: part}
			t.Run("raw events deleted", func(t *testing.T) { checkDashboardSample(t, s, x, true, sample) })
			return
		}
		f := Filter{Site: "demo.localhost", From: testFrom, To: testTo}
		if got, err := s.Totals(ctx, f); err != nil || got != (Totals{}) {
			t.Errorf("Totals after retention = %+v, %v; want nothing", got, err)
		}
	})
}

// FuzzFilter feeds the query API the dimension names, values and ranges a
// dashboard takes from its URL: it must answer or refuse, never fail
// otherwise, and its figures must match those computed from the events.
func FuzzFilter(f *testing.F) {
	f.Add("path", "/ja/", "country", int64(0), int64(86400))
	f.Add("colour", "red", "path", int64(3600), int64(7200))
	f.Add("search-zero", "", "404", int64(-100), int64(1e6))
	f.Add("source", "Yahoo! JAPAN", "entry", int64(1800), int64(1))
	f.Add("", "'; DROP TABLE analytics_events; --", "event", int64(0), int64(172800))
	db := storetest.SQLite(f)
	s := newTestStore(f, db)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := generateEvents(f, 5, "demo.localhost", from, from.AddDate(0, 0, 2), 400)
	writeAll(f, s, events, 400)
	if err := rollUp(context.Background(), s, from.Add(30*time.Hour)); err != nil {
		f.Fatal(err)
	}
	x := newExpectation(events)
	known := map[string]bool{}
	for _, d := range Dimensions() {
		known[d] = true
	}
	f.Fuzz(func(t *testing.T, whereDim, whereValue, topDim string, fromSec, lengthSec int64) {
		fl := Filter{
			Site:  "demo.localhost",
			From:  from.Add(time.Duration(fromSec%(3*86400)) * time.Second),
			Where: map[string]string{whereDim: whereValue},
		}
		fl.To = fl.From.Add(time.Duration(lengthSec%(3*86400)) * time.Second)
		rows, err := s.Top(context.Background(), fl, topDim, 0)
		switch {
		case fl.To.Before(fl.From):
			if err == nil {
				t.Fatalf("range ending before it starts accepted")
			}
		case !known[whereDim] || !known[topDim]:
			if !errors.Is(err, ErrUnknownDimension) {
				t.Fatalf("unknown dimension %q or %q: %v", whereDim, topDim, err)
			}
		case err != nil:
			t.Fatal(err)
		case !equalRows(rows, x.top(fl, topDim, 0)):
			t.Fatalf("Top(%s) where %s=%q = %+v, want %+v", topDim, whereDim, whereValue, rows, x.top(fl, topDim, 0))
		}
	})
}

// TestSeriesAcrossSummerTime checks the days and hours of a series in a
// zone with summer time, where a day has 23 or 25 hours, against the
// figures computed from the events.
func TestSeriesAcrossSummerTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
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
