package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// ErrUnknownDimension is returned for a dimension name that Dimensions
// does not list.
var ErrUnknownDimension = errors.New("analytics: unknown dimension")

// maxPoints bounds the points of one series.
const maxPoints = 10000

// Reader answers the dashboard's questions. SQLStore implements it on
// SQLite and PostgreSQL; every figure is defined so that a store scanning
// raw events with GROUP BY and exact distinct counts (ClickHouse, say) can
// compute the same numbers.
type Reader interface {
	Totals(ctx context.Context, f Filter) (Totals, error)
	Series(ctx context.Context, f Filter, interval string) ([]Point, error)
	Top(ctx context.Context, f Filter, dimension string, limit int) ([]Row, error)
	Realtime(ctx context.Context, site string, now time.Time) (int64, error)
}

// Store is an analytics backend: SQLStore on Noren's own database, or
// the ClickHouse store (package clickhouse) for sites that outgrow one
// machine.
type Store interface {
	Writer
	Reader
	// Retain deletes the raw events before the cut-off and reports how
	// many it deleted; aggregates already computed stay.
	Retain(ctx context.Context, before time.Time) (int64, error)
	// Rollup brings the store's rollups up to now; it is run every minute,
	// and ErrRollupUnfinished says the next run goes on where it stopped.
	Rollup(ctx context.Context, now time.Time) error
}

// Filter selects the events a figure counts.
type Filter struct {
	Site string
	// From and To bound the range [From, To).
	From, To time.Time
	// Location is the site's time zone, where the days and months of a
	// series begin; nil means UTC.
	Location *time.Location
	// Where maps dimension names (see Dimensions) to the value an event
	// must have; an empty map selects every event.
	Where map[string]string
}

// Previous returns the filter for the period of the same length just
// before f's, for comparisons. A range of whole days in f's time zone moves
// back by that many calendar days, so that a week stays a week across a
// change of summer time; any other moves back by its duration.
func (f Filter) Previous() Filter {
	loc := f.location()
	from, to := f.From.In(loc), f.To.In(loc)
	p := f
	if isMidnight(from) && isMidnight(to) {
		days := 0
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			days++
		}
		p.From, p.To = from.AddDate(0, 0, -days), from
		return p
	}
	p.From, p.To = f.From.Add(-f.To.Sub(f.From)), f.From
	return p
}

func (f Filter) location() *time.Location {
	if f.Location == nil {
		return time.UTC
	}
	return f.Location
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// Totals are the headline figures of a range.
type Totals struct {
	// Visitors counts visitor days: see the package's definitions.
	Visitors  int64
	Pageviews int64
	Visits    int64
	// BounceRate is the share of visits, from 0 to 1, with exactly one
	// pageview.
	BounceRate float64
	// VisitDuration is the mean time from a visit's first event to its
	// last.
	VisitDuration time.Duration
}

// Point is one bucket of a series: the totals of the hour, day or month
// that begins at Start, in the filter's time zone, counted within the
// filter's range only.
type Point struct {
	Start time.Time
	Totals
}

// Row is one value of a dimension with its figures.
type Row struct {
	Value string
	// Visitors and Visits count those with an event of this value; for
	// entry and exit, those that entered or left on the page.
	Visitors, Visits int64
	// Pageviews counts the matching pageviews, and Events every matching
	// event: the clicks of an outbound link, the searches of a query.
	Pageviews, Events int64
}

// CollectFunc computes the cells of a request, keyed by bucket index,
// the request's dimension and value: a store's way of counting. Its
// methods answer the Reader's queries with it, so that every store
// validates filters and orders rows alike.
type CollectFunc func(ctx context.Context, req Request) (map[CellKey]*Counts, error)

// Totals returns the totals of the events f selects.
func (s *SQLStore) Totals(ctx context.Context, f Filter) (Totals, error) {
	return CollectFunc(s.collect).Totals(ctx, f)
}

// Series returns one point per hour, day or month (interval "hour", "day"
// or "month") of the filter's time zone from the one holding From up to
// To, with zeros where nothing happened.
func (s *SQLStore) Series(ctx context.Context, f Filter, interval string) ([]Point, error) {
	return CollectFunc(s.collect).Series(ctx, f, interval)
}

// Top returns the values of a dimension (see Dimensions) with the most
// visitors, then the most pageviews and events, at most limit of them
// (all when limit is 0 or less).
func (s *SQLStore) Top(ctx context.Context, f Filter, dimension string, limit int) ([]Row, error) {
	return CollectFunc(s.collect).Top(ctx, f, dimension, limit)
}

// Totals returns the totals of the events f selects.
func (collect CollectFunc) Totals(ctx context.Context, f Filter) (Totals, error) {
	req, err := newRequest(f, DimTotal, []time.Time{f.From, f.To})
	if err != nil {
		return Totals{}, err
	}
	cells, err := collect(ctx, req)
	if err != nil {
		return Totals{}, fmt.Errorf("analytics: totals of %s: %w", f.Site, err)
	}
	return totalsOf(cells[CellKey{0, DimTotal, ""}]), nil
}

// Series returns one point per hour, day or month (interval "hour", "day"
// or "month") of the filter's time zone from the one holding From up to
// To, with zeros where nothing happened.
func (collect CollectFunc) Series(ctx context.Context, f Filter, interval string) ([]Point, error) {
	starts, edges, err := seriesBuckets(f, interval)
	if err != nil {
		return nil, err
	}
	req, err := newRequest(f, DimTotal, edges)
	if err != nil || len(starts) == 0 {
		return nil, err
	}
	cells, err := collect(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("analytics: series of %s: %w", f.Site, err)
	}
	points := make([]Point, len(starts))
	for i, start := range starts {
		points[i] = Point{Start: start, Totals: totalsOf(cells[CellKey{int64(i), DimTotal, ""}])}
	}
	return points, nil
}

// Top returns the values of a dimension (see Dimensions) with the most
// visitors, then the most pageviews and events, at most limit of them
// (all when limit is 0 or less).
func (collect CollectFunc) Top(ctx context.Context, f Filter, dimension string, limit int) ([]Row, error) {
	dim, err := parseDimension(dimension)
	if err != nil {
		return nil, err
	}
	req, err := newRequest(f, dim, []time.Time{f.From, f.To})
	if err != nil {
		return nil, err
	}
	cells, err := collect(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("analytics: top %s of %s: %w", dimension, f.Site, err)
	}
	rows := make([]Row, 0, len(cells))
	for k, c := range cells {
		rows = append(rows, Row{Value: k.Value, Visitors: c.Visitors, Visits: c.Visits, Pageviews: c.Pageviews, Events: c.Events})
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(
			cmp.Compare(b.Visitors, a.Visitors),
			cmp.Compare(b.Pageviews, a.Pageviews),
			cmp.Compare(b.Events, a.Events),
			cmp.Compare(a.Value, b.Value))
	})
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, nil
}

func totalsOf(c *Counts) Totals {
	if c == nil {
		return Totals{}
	}
	t := Totals{Visitors: c.Visitors, Pageviews: c.Pageviews, Visits: c.Visits}
	if c.Visits > 0 {
		t.BounceRate = float64(c.Bounces) / float64(c.Visits)
		t.VisitDuration = time.Duration(c.DurationMS * int64(time.Millisecond) / c.Visits)
	}
	return t
}

// seriesBuckets returns the nominal start of every bucket and the edges
// that bound them within the range: bucket i is [edges[i], edges[i+1]).
func seriesBuckets(f Filter, interval string) (starts, edges []time.Time, err error) {
	loc := f.location()
	var floor func(time.Time) time.Time
	var next func(time.Time) time.Time
	switch interval {
	case "hour":
		floor = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc) }
		next = func(t time.Time) time.Time { return t.Add(time.Hour) }
	case "day":
		floor = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc) }
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case "month":
		floor = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc) }
		next = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	default:
		return nil, nil, fmt.Errorf("analytics: series interval %q: want hour, day or month", interval)
	}
	if !f.From.Before(f.To) {
		return nil, nil, nil
	}
	start := floor(f.From.In(loc))
	if start.After(f.From) {
		// A summer-time change can put the floor of an hour after it.
		start = start.Add(-time.Hour)
	}
	starts = []time.Time{start}
	edges = []time.Time{f.From}
	for t := next(start); t.Before(f.To); t = next(t) {
		if len(starts) == maxPoints {
			return nil, nil, fmt.Errorf("analytics: series of more than %d points", maxPoints)
		}
		if !t.After(edges[len(edges)-1]) {
			continue
		}
		starts = append(starts, t)
		edges = append(edges, t)
	}
	return starts, append(edges, f.To), nil
}

// Request is a validated query, what a CollectFunc computes: the figures
// of dimension Dim for the events of Site matching every condition of
// Where, in the buckets bounded by Edges (bucket i is [Edges[i],
// Edges[i+1])).
type Request struct {
	Site  string
	Where []Condition
	Dim   Dimension
	Edges []time.Time
}

// Condition is one filter of a Request: the events with Value in Dim.
type Condition struct {
	Dim   Dimension
	Value string
}

func newRequest(f Filter, dim Dimension, edges []time.Time) (Request, error) {
	if f.Site == "" {
		return Request{}, errors.New("analytics: query without a site")
	}
	if f.To.Before(f.From) {
		return Request{}, fmt.Errorf("analytics: range ends (%s) before it starts (%s)", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	if len(edges) < 2 {
		edges = []time.Time{f.From, f.From}
	}
	req := Request{Site: f.Site, Dim: dim, Edges: edges}
	for _, name := range sortedKeys(f.Where) {
		d, err := parseDimension(name)
		if err != nil {
			return Request{}, err
		}
		req.Where = append(req.Where, Condition{d, f.Where[name]})
	}
	return req, nil
}

// matches reports whether event e of visit v has every value req filters
// on.
func (req Request) matches(e *rollupEvent, v *rollupVisit) bool {
	for _, c := range req.Where {
		if value, ok := c.Dim.value(e, v); !ok || value != c.Value {
			return false
		}
	}
	return true
}

// BucketOf returns the bucket holding t, if t lies in [from, to) and in
// the range.
func (req Request) BucketOf(t, from, to time.Time) (int64, bool) {
	if t.Before(from) || !t.Before(to) {
		return 0, false
	}
	i := sort.Search(len(req.Edges), func(i int) bool { return req.Edges[i].After(t) }) - 1
	if i < 0 || i >= len(req.Edges)-1 {
		return 0, false
	}
	return int64(i), true
}

// collect computes req's cells, keyed by bucket index, req.Dim and value.
//
// Hours that the rollups hold come from them when req's filter is one they
// store (at most one dimension, and for a breakdown, that same dimension)
// and every bucket edge falls on a UTC hour; the rest of the range, such
// as the hour now under way, comes from raw events.
func (s *SQLStore) collect(ctx context.Context, req Request) (map[CellKey]*Counts, error) {
	cells := make(map[CellKey]*Counts)
	from, to := req.Edges[0], req.Edges[len(req.Edges)-1]
	if !from.Before(to) {
		return cells, nil
	}
	m, err := s.site(ctx, req.Site)
	if err != nil {
		return nil, err
	}

	rollDim, rollValue, usable := DimTotal, "", true
	switch {
	case len(req.Where) == 0:
		rollDim = req.Dim
	case len(req.Where) == 1 && (req.Dim == DimTotal || req.Dim == req.Where[0].Dim):
		rollDim, rollValue = req.Where[0].Dim, req.Where[0].Value
	default:
		usable = false
	}
	// The rollups count everything before rolledUntil, which may fall
	// within an hour: that hour's rows then hold its beginning only.
	a, b := CeilHour(from), to.Truncate(time.Hour)
	if !m.rolledUntil.After(to) {
		b = m.rolledUntil
	}
	for _, e := range req.Edges[1 : len(req.Edges)-1] {
		if e.After(a) && e.Before(b) && !e.Equal(e.Truncate(time.Hour)) {
			usable = false
		}
	}
	if !usable || !a.Before(b) {
		return cells, s.collectRaw(ctx, req, m, from, to, cells)
	}

	if err := s.collectRollups(ctx, req, rollDim, rollValue, a, b, cells); err != nil {
		return nil, err
	}
	if from.Before(a) {
		if err := s.collectRaw(ctx, req, m, from, a, cells); err != nil {
			return nil, err
		}
	}
	if b.Before(to) {
		if err := s.collectRaw(ctx, req, m, b, to, cells); err != nil {
			return nil, err
		}
	}
	return cells, nil
}

// collectRollups adds the rollup rows of [a, b), a on a UTC hour, for
// value rollValue of rollDim (every value when req breaks down by
// rollDim without filtering it).
func (s *SQLStore) collectRollups(ctx context.Context, req Request, rollDim Dimension, rollValue string, a, b time.Time, cells map[CellKey]*Counts) error {
	add := func(bucket int64, value string, c Counts) {
		k := CellKey{bucket, req.Dim, value}
		if cells[k] == nil {
			cells[k] = &Counts{}
		}
		cells[k].Add(&c)
	}
	if len(req.Edges) > 2 {
		rows, err := s.db.QueryContext(ctx, s.q["rollup-hours"], req.Site, rollDim.String(), rollValue, a, b)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var hour time.Time
			var c Counts
			if err := rows.Scan(&hour, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS); err != nil {
				return err
			}
			if bucket, ok := req.BucketOf(hour, a, b); ok {
				add(bucket, "", c)
			}
		}
		return rows.Err()
	}

	// A long range reads whole UTC days from the daily rows and only its
	// ends from the hourly ones.
	d1, d2 := UTCDay(a.Add(24*time.Hour-1)), UTCDay(b)
	h1, h2, h3, h4 := a, d1, d2, b
	if !d1.Before(d2) {
		h1, h2, h3, h4 = a, b, b, b
		d1, d2 = b, b
	}
	if req.Dim == DimTotal {
		var c Counts
		err := s.db.QueryRowContext(ctx, s.q["rollup-totals"], req.Site, rollDim.String(), rollValue, h1, h2, h3, h4, d1, d2).
			Scan(&c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS)
		if err != nil {
			return err
		}
		if c != (Counts{}) {
			add(0, "", c)
		}
		return nil
	}
	rows, err := s.db.QueryContext(ctx, s.q["rollup-top"], req.Site, rollDim.String(), h1, h2, h3, h4, d1, d2)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var value string
		var c Counts
		if err := rows.Scan(&value, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS); err != nil {
			return err
		}
		if len(req.Where) == 0 || value == rollValue {
			add(0, value, c)
		}
	}
	return rows.Err()
}

// collectRaw adds what happened in [from, to) computed from raw events:
// those of the whole UTC days the span touches (for a short span, of the
// visitors active in it only), so that visitors and visits that began
// earlier that day are not counted again and visit lengths are complete.
// Events are read a visitor id at a time, so that memory holds one
// visitor's day.
func (s *SQLStore) collectRaw(ctx context.Context, req Request, m siteMarks, from, to time.Time, cells map[CellKey]*Counts) error {
	if UTCDay(from).Before(m.rawFrom) {
		return fmt.Errorf("%w (kept from %s, needed from %s)", ErrRawExpired, m.rawFrom.Format(time.DateOnly), from.UTC().Format(time.DateOnly))
	}
	agg := newAggregator([]Dimension{req.Dim}, func(t time.Time) (int64, bool) { return req.BucketOf(t, from, to) })
	if len(req.Where) > 0 {
		agg.match = req.matches
	}
	agg.cells = cells
	dayFrom, dayTo := UTCDay(from), UTCDay(to.Add(24*time.Hour-1))
	if to.Sub(from) < 24*time.Hour {
		rows, err := s.db.QueryContext(ctx, s.q["visitor-events"], req.Site, dayFrom, dayTo, from, to)
		if err != nil {
			return err
		}
		_, err = agg.addRows(rows, from, to)
		return err
	}
	// Over days, nearly every visitor of those days is active in the span:
	// reading all their events in time order beats looking each one up.
	for day := dayFrom; day.Before(dayTo); day = day.AddDate(0, 0, 1) {
		rows, err := s.db.QueryContext(ctx, s.q["events"], req.Site, day, day.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		if _, err := agg.addRows(rows, from, to); err != nil {
			return err
		}
	}
	return nil
}

// CeilHour returns the first UTC hour boundary at or after t.
func CeilHour(t time.Time) time.Time {
	h := t.Truncate(time.Hour)
	if h.Before(t) {
		h = h.Add(time.Hour)
	}
	return h
}
