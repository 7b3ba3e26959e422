package publicstats

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
)

func computeFor(t *testing.T, r analytics.Reader, p period, k int, noise *noiseSource) *stats {
	t.Helper()
	s, err := compute(context.Background(), r, testSite, jst, p, clock, k, noise)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bucketOf(t *testing.T, s *stats, iso string) *bucket {
	t.Helper()
	for i := range s.Buckets {
		if s.Buckets[i].Start.Format(time.DateOnly) == iso {
			return &s.Buckets[i]
		}
	}
	t.Fatalf("no bucket %s", iso)
	return nil
}

func rowValues(s *stats, dim string) []string {
	var values []string
	for _, bd := range s.Breakdowns {
		if bd.Dimension == dim {
			for _, r := range bd.Rows {
				values = append(values, r.Value)
			}
		}
	}
	return values
}

// TestPeriodsHoldCompleteDaysOnly checks the ranges: the 30 days before
// today and the 12 months before this one, in the site's time zone, with
// today (or this month) left out.
func TestPeriodsHoldCompleteDaysOnly(t *testing.T) {
	tests := []struct {
		p        period
		now      time.Time
		from, to time.Time
	}{
		{last30Days, clock, time.Date(2026, 3, 1, 0, 0, 0, 0, jst), time.Date(2026, 3, 31, 0, 0, 0, 0, jst)},
		{last30Days, time.Date(2026, 3, 31, 0, 5, 0, 0, jst), time.Date(2026, 2, 28, 0, 0, 0, 0, jst), time.Date(2026, 3, 30, 0, 0, 0, 0, jst)},
		{last30Days, time.Date(2026, 3, 31, 0, 15, 0, 0, jst), time.Date(2026, 3, 1, 0, 0, 0, 0, jst), time.Date(2026, 3, 31, 0, 0, 0, 0, jst)},
		{last12Months, clock, time.Date(2025, 3, 1, 0, 0, 0, 0, jst), time.Date(2026, 3, 1, 0, 0, 0, 0, jst)},
		{last12Months, time.Date(2026, 1, 1, 0, 5, 0, 0, jst), time.Date(2024, 12, 1, 0, 0, 0, 0, jst), time.Date(2025, 12, 1, 0, 0, 0, 0, jst)},
	}
	for _, tt := range tests {
		t.Run(string(tt.p)+" "+tt.now.Format(time.DateTime), func(t *testing.T) {
			from, to, _ := tt.p.bounds(tt.now, jst)
			if !from.Equal(tt.from) || !to.Equal(tt.to) {
				t.Errorf("bounds [%s, %s), want [%s, %s)", from, to, tt.from, tt.to)
			}
		})
	}
}

// TestSuppression checks that every count below k is suppressed, in the
// totals, the chart's buckets and the breakdowns, and that what could
// give a suppressed count away is withheld.
func TestSuppression(t *testing.T) {
	type check func(t *testing.T, s *stats)
	tests := []struct {
		name   string
		reader func() *fakeReader
		checks []check
	}{
		{
			name: "a period below k suppresses everything",
			reader: func() *fakeReader {
				days := map[string]analytics.Totals{day(3): {Visitors: 4, Pageviews: 9, Visits: 5}, day(9): {Visitors: 5, Pageviews: 5, Visits: 5}}
				return &fakeReader{days: days, rows: map[string][]analytics.Row{"path": {{Value: "/ja/", Visitors: 9, Pageviews: 14}}}}
			},
			checks: []check{func(t *testing.T, s *stats) {
				for i, c := range s.Totals.counts() {
					if c.state != suppressed {
						t.Errorf("total %s is %v, want suppressed", metricNames[i], c.state)
					}
				}
				for _, b := range s.Buckets {
					for i, c := range b.counts() {
						if c.state == shown {
							t.Errorf("bucket %s %s shown", b.Start.Format(time.DateOnly), metricNames[i])
						}
					}
				}
				for _, bd := range s.Breakdowns {
					if len(bd.Rows) > 0 {
						t.Errorf("%s has rows %v", bd.Dimension, bd.Rows)
					}
				}
				if s.HasBounce {
					t.Error("bounce rate published")
				}
			}},
		},
		{
			name: "a quiet day is suppressed and the smallest other day withheld",
			reader: func() *fakeReader {
				days := busyDays(40)
				days[day(7)] = analytics.Totals{Visitors: 3, Pageviews: 5, Visits: 3}
				days[day(20)] = analytics.Totals{Visitors: 30, Pageviews: 60, Visits: 45}
				return &fakeReader{days: days}
			},
			checks: []check{func(t *testing.T, s *stats) {
				for i, c := range bucketOf(t, s, day(7)).counts() {
					if c.state != suppressed {
						t.Errorf("day 7 %s is %v, want suppressed", metricNames[i], c.state)
					}
				}
				for i, c := range bucketOf(t, s, day(20)).counts() {
					if c.state != withheld {
						t.Errorf("day 20 %s is %v, want withheld", metricNames[i], c.state)
					}
				}
				if c := bucketOf(t, s, day(21)).Visitors; c.state != shown || c.published != 40 {
					t.Errorf("day 21 visitors %+v, want 40 shown", c)
				}
				if c := s.Totals.Visitors; c.state != shown || c.published != 28*40+30+3 {
					t.Errorf("total visitors %+v", c)
				}
			}},
		},
		{
			name: "several quiet days that add up to k need nothing withheld",
			reader: func() *fakeReader {
				days := busyDays(40)
				days[day(7)] = analytics.Totals{Visitors: 6, Pageviews: 12, Visits: 9}
				days[day(8)] = analytics.Totals{Visitors: 6, Pageviews: 12, Visits: 9}
				return &fakeReader{days: days}
			},
			checks: []check{func(t *testing.T, s *stats) {
				for _, b := range s.Buckets {
					if b.Visitors.state == withheld {
						t.Errorf("day %s withheld", b.Start.Format(time.DateOnly))
					}
				}
			}},
		},
		{
			name:   "rows below k, past the cap or giving a small remainder away are left out",
			reader: sampleReader,
			checks: []check{func(t *testing.T, s *stats) {
				want := map[string][]string{
					"path":     {"/ja/", "/en/", "/ja/kosodate/hoikuen/"},
					"source":   {"", "Google", "Yahoo! JAPAN"},
					"device":   {"mobile", "desktop", "tablet"},
					"browser":  {"Chrome", "Safari", "Edge", "Firefox"},
					"language": {"ja", "en", "vi"},
					"country":  {"JP", "VN", ""},
				}
				for dim, values := range want {
					if got := rowValues(s, dim); !slices.Equal(got, values) {
						t.Errorf("%s rows %q, want %q", dim, got, values)
					}
				}
			}},
		},
		{
			name: "a row whose publication leaves a remainder below k is dropped",
			reader: func() *fakeReader {
				days := busyDays(10)
				// 30 days of 10 visitors: 300 in all.
				return &fakeReader{days: days, rows: map[string][]analytics.Row{
					"device": {{Value: "mobile", Visitors: 200}, {Value: "desktop", Visitors: 96}, {Value: "tablet", Visitors: 4}},
					"path":   {{Value: "/ja/", Visitors: 280, Pageviews: 597}, {Value: "/en/", Visitors: 20, Pageviews: 3}},
				}}
			},
			checks: []check{func(t *testing.T, s *stats) {
				if got := rowValues(s, "device"); !slices.Equal(got, []string{"mobile"}) {
					t.Errorf("device rows %q, want mobile only", got)
				}
				// /en/ has too few pageviews, and /ja/ would leave 3.
				if got := rowValues(s, "path"); len(got) != 0 {
					t.Errorf("path rows %q, want none", got)
				}
			}},
		},
		{
			name: "rows are capped",
			reader: func() *fakeReader {
				var rows []analytics.Row
				for i := range 15 {
					rows = append(rows, analytics.Row{Value: "/p" + strconv.Itoa(i), Visitors: int64(100 - i), Pageviews: int64(100 - i)})
				}
				return &fakeReader{days: busyDays(100), rows: map[string][]analytics.Row{"path": rows}}
			},
			checks: []check{func(t *testing.T, s *stats) {
				if got := rowValues(s, "path"); len(got) != maxRows {
					t.Errorf("%d path rows, want %d", len(got), maxRows)
				}
			}},
		},
		{
			name: "a bounce rate that gives away few bounces is not published",
			reader: func() *fakeReader {
				days := busyDays(40)
				for d := range days {
					x := days[d]
					x.BounceRate = 0.001
					days[d] = x
				}
				return &fakeReader{days: days}
			},
			checks: []check{func(t *testing.T, s *stats) {
				if s.HasBounce {
					t.Errorf("bounce rate %v published", s.Bounce)
				}
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.reader()
			s := computeFor(t, r, last30Days, 10, nil)
			checkProtected(t, s, r)
			for _, c := range tt.checks {
				c(t, s)
			}
		})
	}
}

// checkProtected checks what must hold of any page: every shown count is
// at least k, and no suppressed count can be worked out by subtracting
// what is shown from a total.
func checkProtected(t *testing.T, s *stats, r *fakeReader) {
	t.Helper()
	k := int64(s.K)
	checkShown := func(what string, c count) {
		if c.state == shown && c.actual < k {
			t.Errorf("%s: %d shown, below k = %d", what, c.actual, k)
		}
	}
	for i, c := range s.Totals.counts() {
		checkShown("total "+metricNames[i], *c)
		if c.state != shown {
			continue
		}
		rest, hidden := c.actual, false
		for _, b := range s.Buckets {
			bc := b.counts()[i]
			checkShown(b.Start.Format(time.DateOnly)+" "+metricNames[i], *bc)
			if bc.state == shown {
				rest -= bc.actual
			} else {
				hidden = true
			}
		}
		if hidden && rest < k {
			t.Errorf("%s: the total less the shown buckets gives away %d for the buckets not shown", metricNames[i], rest)
		}
	}
	for _, bd := range s.Breakdowns {
		all := r.rows[bd.Dimension]
		restV, restP := s.Totals.Visitors.actual, s.Totals.Pageviews.actual
		for _, rw := range bd.Rows {
			checkShown(bd.Dimension+" "+rw.Value, rw.Visitors)
			checkShown(bd.Dimension+" "+rw.Value, rw.Pageviews)
			restV -= rw.Visitors.actual
			restP -= rw.Pageviews.actual
		}
		if len(bd.Rows) > maxRows {
			t.Errorf("%s: %d rows", bd.Dimension, len(bd.Rows))
		}
		if s.Totals.Visitors.state != shown {
			if len(bd.Rows) > 0 {
				t.Errorf("%s: rows shown while the total is not", bd.Dimension)
			}
			continue
		}
		if len(bd.Rows) < len(all) {
			if restV > 0 && restV < k {
				t.Errorf("%s: the total less the rows gives away %d visitors", bd.Dimension, restV)
			}
			if bd.Pageviews && s.Totals.Pageviews.state == shown && restP > 0 && restP < k {
				t.Errorf("%s: the total less the rows gives away %d pageviews", bd.Dimension, restP)
			}
		}
	}
	if s.HasBounce {
		tot := r.sum(s.From, s.To)
		bounces := int64(math.Round(tot.BounceRate * float64(tot.Visits)))
		if bounces < k || tot.Visits-bounces < k {
			t.Errorf("bounce rate published with %d bounces of %d visits", bounces, tot.Visits)
		}
	}
}

// TestNothingSuppressedCanBeDerived checks the protection over many
// random sites, small and large, with consistent totals and breakdowns.
func TestNothingSuppressedCanBeDerived(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		scale := []int64{3, 10, 40, 300}[i%4]
		days := map[string]analytics.Totals{}
		var total, pageviews int64
		for d := 1; d <= 30; d++ {
			v := rng.Int64N(scale)
			pv := v + rng.Int64N(v+1)
			days[day(d)] = analytics.Totals{Visitors: v, Pageviews: pv, Visits: v + rng.Int64N(v/2+1), BounceRate: rng.Float64()}
			total += v
			pageviews += pv
		}
		rows := map[string][]analytics.Row{}
		for _, dim := range dimensions {
			left, leftPV := total, pageviews
			for j := 0; left > 0; j++ {
				n := min(left, 1+rng.Int64N(max(left/2, 1)))
				pv := leftPV
				if left > n {
					pv = min(leftPV, n+rng.Int64N(n+1))
				}
				rows[dim] = append(rows[dim], analytics.Row{Value: fmt.Sprintf("%s-%d", dim, j), Visitors: n, Pageviews: pv})
				left -= n
				leftPV -= pv
			}
			sortRows(rows[dim])
		}
		r := &fakeReader{days: days, rows: rows}
		for _, k := range []int{2, 5, 10} {
			t.Run(fmt.Sprintf("site %d k %d", i, k), func(t *testing.T) {
				checkProtected(t, computeFor(t, r, last30Days, k, nil), r)
			})
		}
	}
}
