package publicstats

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/analytics"
)

// maxRows caps the rows of each breakdown.
const maxRows = 10

// dimensions are the breakdowns the page publishes, in its order. Search
// terms, 404 paths, outbound links, referrer URLs, campaigns, networks and
// custom events are never published: they can carry what a visitor typed
// or where they came from in detail.
var dimensions = [...]string{"path", "source", "device", "browser", "language", "country"}

// state is what the page shows for a count.
type state uint8

const (
	// shown: the count is published (with noise, when noise is on).
	shown state = iota
	// suppressed: the count's group is smaller than k; the page says
	// "fewer than k".
	suppressed
	// withheld: the count is at least k but is not published, because
	// with the published total it would give away suppressed counts.
	withheld
)

// count is one figure of the page.
type count struct {
	actual int64
	state  state
	// published is what the page shows when state is shown: actual, or
	// actual with noise, rounded and clamped.
	published int64
}

// group holds a set of events' counts: a period's totals or one bucket
// of its chart.
type group struct {
	Visitors, Pageviews, Visits count
}

func (g *group) counts() [3]*count { return [3]*count{&g.Visitors, &g.Pageviews, &g.Visits} }

// bucket is one bar of the chart: a day or a month.
type bucket struct {
	Start time.Time
	group
}

// row is one published value of a breakdown.
type row struct {
	Value               string
	Visitors, Pageviews count
}

// breakdown is the published rows of one dimension.
type breakdown struct {
	Dimension string
	// Pageviews says whether the rows show pageviews as well as visitors.
	Pageviews bool
	Rows      []row
}

// stats are the protected figures of one period, in no language.
type stats struct {
	Period   period
	From, To time.Time
	Interval string
	Computed time.Time
	K        int
	Epsilon  float64

	Totals  group
	Buckets []bucket
	// Bounce is the bounce rate from 0 to 1, and HasBounce whether it is
	// published.
	Bounce     float64
	HasBounce  bool
	Breakdowns []breakdown
}

// protection is how the figures are protected: the threshold k and the
// noise.
type protection struct {
	k     int64
	noise *noiseSource // nil for none
	// prefix names the page's own figures (its totals and rows) for the
	// noise memo; buckets are named by their own start instead, so that a
	// day keeps its noise on every page that shows it.
	prefix string
	// to ends the page's range: no other page shows its own figures.
	to time.Time
}

// compute reads the figures of p at now from r and protects them.
func compute(ctx context.Context, r analytics.Reader, site string, loc *time.Location, p period, now time.Time, k int, noise *noiseSource) (*stats, error) {
	from, to, interval := p.bounds(now, loc)
	f := analytics.Filter{Site: site, From: from, To: to, Location: loc}
	totals, err := r.Totals(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("publicstats: totals: %w", err)
	}
	series, err := r.Series(ctx, f, interval)
	if err != nil {
		return nil, fmt.Errorf("publicstats: series: %w", err)
	}
	all := make(map[string][]analytics.Row, len(dimensions))
	for _, dim := range dimensions {
		// Every row, not the top few: the rows beyond the cap count in
		// what a reader could subtract from the total.
		rows, err := r.Top(ctx, f, dim, 0)
		if err != nil {
			return nil, fmt.Errorf("publicstats: top %s: %w", dim, err)
		}
		sortRows(rows)
		all[dim] = rows
	}

	pr := protection{k: int64(k), noise: noise, prefix: string(p) + "/" + to.Format(time.DateOnly) + "/", to: to}
	s := &stats{Period: p, From: from, To: to, Interval: interval, Computed: now, K: k}
	if noise != nil {
		s.Epsilon = noise.epsilon
	}
	s.Totals = pr.primary(totals)
	for _, pt := range series {
		s.Buckets = append(s.Buckets, bucket{Start: pt.Start, group: pr.primary(pt.Totals)})
	}
	pr.protectBuckets(&s.Totals, s.Buckets)
	for _, dim := range dimensions {
		s.Breakdowns = append(s.Breakdowns, pr.breakdown(dim, all[dim], &s.Totals))
	}

	// Noise last, once every count's state is settled.
	for i, c := range s.Totals.counts() {
		if err := pr.publish(ctx, c, pr.prefix+"total/"+metricNames[i], to); err != nil {
			return nil, err
		}
	}
	for bi := range s.Buckets {
		b := &s.Buckets[bi]
		for i, c := range b.counts() {
			if err := pr.publish(ctx, c, interval+"/"+b.Start.Format(time.DateOnly)+"/"+metricNames[i], p.lastShown(b.Start.In(loc))); err != nil {
				return nil, err
			}
		}
	}
	for _, bd := range s.Breakdowns {
		for ri := range bd.Rows {
			rw := &bd.Rows[ri]
			key := pr.prefix + bd.Dimension + "/" + rw.Value + "/"
			if err := pr.publish(ctx, &rw.Visitors, key+"visitors", to); err != nil {
				return nil, err
			}
			if err := pr.publish(ctx, &rw.Pageviews, key+"pageviews", to); err != nil {
				return nil, err
			}
		}
	}
	if err := pr.bounce(ctx, s, totals); err != nil {
		return nil, err
	}
	return s, nil
}

// metricNames name a group's counts in the order of group.counts.
var metricNames = [3]string{"visitors", "pageviews", "visits"}

// primary suppresses the counts of a group smaller than k: every count
// when it has fewer than k visitors, since its pageviews and visits then
// belong to fewer than k people, and otherwise each count below k.
func (pr protection) primary(t analytics.Totals) group {
	g := group{
		Visitors:  count{actual: t.Visitors},
		Pageviews: count{actual: t.Pageviews},
		Visits:    count{actual: t.Visits},
	}
	for _, c := range g.counts() {
		if t.Visitors < pr.k || c.actual < pr.k {
			c.state = suppressed
		}
	}
	return g
}

// protectBuckets withholds buckets so that no suppressed bucket can be
// worked out from the period's total. A bucket's counts add up to the
// total exactly, so a reader learns the sum of every bucket not shown by
// subtraction; while that sum is below k, the shown bucket with the
// smallest count is withheld too. A sum of zero counts as revealing: it
// would tell that every suppressed bucket is empty.
func (pr protection) protectBuckets(total *group, buckets []bucket) {
	for i, parent := range total.counts() {
		if parent.state != shown {
			continue
		}
		for {
			rest, hidden := parent.actual, false
			smallest := -1
			for bi := range buckets {
				c := buckets[bi].counts()[i]
				if c.state != shown {
					hidden = true
					continue
				}
				rest -= c.actual
				if smallest < 0 || c.actual < buckets[smallest].counts()[i].actual {
					smallest = bi
				}
			}
			if !hidden || rest >= pr.k || smallest < 0 {
				break
			}
			buckets[smallest].counts()[i].state = withheld
		}
	}
}

// breakdown picks the rows of dimension dim to publish from all of its
// rows, sorted as Reader.Top sorts them: at most maxRows whose every
// count is at least k, less any whose publication would let a reader
// subtract the shown rows from the total and find a small group.
//
// Rows leave out values nobody had, so a positive remainder below k is
// what the unpublished rows hold between them (or nearly: a visitor with
// two values counts in both rows, which makes the remainder smaller, never
// larger). A remainder of zero or less says nothing, since every
// unpublished row holds at least one visitor.
func (pr protection) breakdown(dim string, all []analytics.Row, total *group) breakdown {
	bd := breakdown{Dimension: dim, Pageviews: dim == "path"}
	if total.Visitors.state != shown {
		return bd
	}
	for _, r := range all {
		if len(bd.Rows) == maxRows {
			break
		}
		if r.Visitors < pr.k || (bd.Pageviews && r.Pageviews < pr.k) {
			continue
		}
		rw := row{Value: r.Value, Visitors: count{actual: r.Visitors}, Pageviews: count{actual: r.Pageviews}}
		if !bd.Pageviews {
			rw.Pageviews.state = withheld
		}
		bd.Rows = append(bd.Rows, rw)
	}
	revealing := func() bool {
		if len(bd.Rows) == len(all) {
			return false
		}
		restVisitors, restPageviews := total.Visitors.actual, total.Pageviews.actual
		for _, r := range bd.Rows {
			restVisitors -= r.Visitors.actual
			restPageviews -= r.Pageviews.actual
		}
		small := func(rest int64) bool { return rest > 0 && rest < pr.k }
		return small(restVisitors) || (bd.Pageviews && total.Pageviews.state == shown && small(restPageviews))
	}
	for len(bd.Rows) > 0 && revealing() {
		// The last row has the fewest visitors.
		bd.Rows = bd.Rows[:len(bd.Rows)-1]
	}
	return bd
}

// publish sets the shown value of c, with noise drawn once for key, which
// no page ending after until shows.
func (pr protection) publish(ctx context.Context, c *count, key string, until time.Time) error {
	if c.state != shown {
		return nil
	}
	if pr.noise == nil {
		c.published = c.actual
		return nil
	}
	n, err := pr.noise.draw(ctx, key, until)
	if err != nil {
		return err
	}
	c.published = pr.noisy(c.actual, n)
	return nil
}

// noisy adds noise n to a count of at least k, rounds it, and clamps it
// at k: the page already tells that a shown count is at least k, so the
// clamp gives nothing away, and it keeps every shown figure consistent
// with the "fewer than k" of the suppressed ones.
func (pr protection) noisy(actual int64, n float64) int64 {
	v := math.Round(float64(actual) + n)
	return max(int64(v), pr.k)
}

// bounce publishes the period's bounce rate when its visits are shown and
// both the bounces and the other visits number at least k, since a rate
// with the visit count gives both away.
func (pr protection) bounce(ctx context.Context, s *stats, t analytics.Totals) error {
	if s.Totals.Visits.state != shown {
		return nil
	}
	bounces := int64(math.Round(t.BounceRate * float64(t.Visits)))
	if bounces < pr.k || t.Visits-bounces < pr.k {
		return nil
	}
	s.HasBounce = true
	if pr.noise == nil {
		s.Bounce = t.BounceRate
		return nil
	}
	n, err := pr.noise.draw(ctx, pr.prefix+"total/bounces", pr.to)
	if err != nil {
		return err
	}
	visits := s.Totals.Visits.published
	noisy := min(pr.noisy(bounces, n), visits)
	s.Bounce = float64(noisy) / float64(visits)
	return nil
}

// sortRows orders rows as Reader.Top promises to, so that the
// protection never rests on a reader's order.
func sortRows(rows []analytics.Row) {
	slices.SortStableFunc(rows, func(a, b analytics.Row) int {
		return cmp.Or(
			cmp.Compare(b.Visitors, a.Visitors),
			cmp.Compare(b.Pageviews, a.Pageviews),
			cmp.Compare(b.Events, a.Events),
			cmp.Compare(a.Value, b.Value))
	})
}
