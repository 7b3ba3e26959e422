package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// RollupGrace is how long after an hour ends Rollup waits before rolling
// it up, so that the collector's buffered batches for it have arrived.
// Events that come later still count: they send their day back to be
// rolled up again.
const RollupGrace = 2 * time.Minute

// How the figures are defined, here and wherever they are computed from
// raw events:
//
//   - A visitor is a visitor id within one UTC day. The collector rotates
//     visitor ids daily, so a person who comes back on another day counts
//     again, as in Plausible and GoatCounter.
//   - Visits are derived from the stored events alone: a visitor id's
//     events of one UTC day, in order of time (ties broken by the order
//     the store keeps), form one visit until the gap to the previous event
//     exceeds VisitGap, where the next visit begins. No process keeps
//     visit state, so the figures come out the same whichever instance of
//     a fleet received each event, and a restart forgets nothing.
//   - Source, referrer and campaign belong to the visit: every event of a
//     visit has those of its first event. Entry and exit pages too belong
//     to the visit; every other dimension is the event's own.
//   - An event matches a filter when every filtered dimension gives it the
//     filter's value. Pageviews and events count matching events by their
//     own time. A visitor or visit counts once, at the time of its first
//     matching event; a visit counted this way brings its bounce (it has
//     exactly one pageview in all) and its duration (last event less first,
//     whether they match or not).
//
// Because each visitor and visit counts at one instant, the figures of
// consecutive hours add up to those of a day and of any longer range, and
// rollups can be summed: Visitors over a month is the number of visitor
// days that began in it, the "sum of daily uniques".

// VisitGap is the longest gap between two events of one visit: an event
// more than VisitGap after the visitor's previous one begins a new visit.
const VisitGap = 30 * time.Minute

// rollupEvent is the part of a stored event that figures are computed
// from.
type rollupEvent struct {
	id             int64
	time           time.Time
	day            int64 // Unix day of time, for sorting
	name           string
	visitor        uint64
	path           string
	referrer       string
	source         string
	campaign       string
	browser, os    string
	device, screen string
	language       string
	country        string
	search         string
	results        int
	link           string
}

// rollupVisit describes one visit, from all of its events.
type rollupVisit struct {
	first, last time.Time
	pageviews   int64
	entry, exit string
	// source, referrer and campaign are those of the visit's first event:
	// the collector knows them from the request that began the visit,
	// while the later pages of the visit were referred by the site itself.
	source, referrer, campaign string
}

// Counts are the figures of one value of one dimension in one
// bucket of time.
type Counts struct {
	Visitors, Visits, Pageviews, Events, Bounces, DurationMS int64
}

// Add adds o's figures to c's.
func (c *Counts) Add(o *Counts) {
	c.Visitors += o.Visitors
	c.Visits += o.Visits
	c.Pageviews += o.Pageviews
	c.Events += o.Events
	c.Bounces += o.Bounces
	c.DurationMS += o.DurationMS
}

// CellKey names a cell: a bucket of time (an hour for rollups, a point
// of a series for queries), a dimension and one of its values.
type CellKey struct {
	Bucket int64
	Dim    Dimension
	Value  string
}

// aggregator computes cells from raw events.
type aggregator struct {
	dims []Dimension
	// match, when set, selects the events that count.
	match func(e *rollupEvent, v *rollupVisit) bool
	// bucket places a visitor's, visit's or event's instant in a bucket,
	// or reports false for one outside the span being computed; such
	// events still count as seen.
	bucket func(t time.Time) (int64, bool)
	cells  map[CellKey]*Counts
	// cellCap, when positive, bounds the cells of each dimension: a value
	// that would need a cell past it counts under OtherValue instead.
	cellCap  int
	dimCells [DimCount]int

	// visits and visitOf describe the visitor day being counted: its
	// visits in order, and the index into visits of each of its events.
	visits      []rollupVisit
	visitOf     []int
	seenVisitor map[seenValue]bool
	seenVisit   map[seenVisitValue]bool
}

type seenValue struct {
	dim   Dimension
	value string
}

type seenVisitValue struct {
	visit int
	seenValue
}

func newAggregator(dims []Dimension, bucket func(time.Time) (int64, bool)) *aggregator {
	return &aggregator{
		dims:        dims,
		bucket:      bucket,
		cells:       make(map[CellKey]*Counts),
		seenVisitor: make(map[seenValue]bool),
		seenVisit:   make(map[seenVisitValue]bool),
	}
}

// Bounds on what one aggregation holds in memory, whatever the events.
const (
	// maxVisitorDayEvents bounds the events of one visitor id and UTC day
	// that count: no person sends that many in a day, and holding more
	// would let one client make every rollup of the day hold them all.
	maxVisitorDayEvents = 10_000
	// rollupCellCap bounds a rollup's cells of each dimension, so that a
	// flood of made-up paths, referrers or event names cannot make a
	// rollup hold a cell for each.
	rollupCellCap = 20_000
)

// OtherValue is the value the rollups count a dimension's values under once
// a rollup has rollupCellCap cells of that dimension: the long tail of a
// flood of distinct values.
const OtherValue = "(other)"

// add counts events, which must hold every event of each visitor id and
// UTC day they contain, at least up to the end of the span being
// computed; the rest of the day makes visit durations complete. It sorts
// events.
func (a *aggregator) add(events []rollupEvent) {
	slices.SortFunc(events, func(x, y rollupEvent) int {
		if c := compareInt64(x.day, y.day); c != 0 {
			return c
		}
		if x.visitor != y.visitor {
			if x.visitor < y.visitor {
				return -1
			}
			return 1
		}
		if c := x.time.Compare(y.time); c != 0 {
			return c
		}
		return compareInt64(x.id, y.id)
	})
	for start := 0; start < len(events); {
		end := start + 1
		for end < len(events) && events[end].visitor == events[start].visitor && events[end].day == events[start].day {
			end++
		}
		a.addVisitorDay(events[start:end])
		start = end
	}
}

// addVisitorDay counts one visitor id's events of one UTC day, in time
// order.
func (a *aggregator) addVisitorDay(events []rollupEvent) {
	if len(events) > maxVisitorDayEvents {
		events = events[:maxVisitorDayEvents]
	}
	a.visits = a.visits[:0]
	a.visitOf = a.visitOf[:0]
	clear(a.seenVisitor)
	clear(a.seenVisit)
	for i := range events {
		e := &events[i]
		if i == 0 || e.time.Sub(events[i-1].time) > VisitGap {
			a.visits = append(a.visits, rollupVisit{first: e.time, source: e.source, referrer: e.referrer, campaign: e.campaign})
		}
		v := &a.visits[len(a.visits)-1]
		a.visitOf = append(a.visitOf, len(a.visits)-1)
		v.last = e.time
		if e.name == "pageview" {
			v.pageviews++
			if v.pageviews == 1 {
				v.entry = e.path
			}
			v.exit = e.path
		}
	}
	for i := range events {
		e := &events[i]
		v := &a.visits[a.visitOf[i]]
		if a.match != nil && !a.match(e, v) {
			continue
		}
		bucket, inSpan := a.bucket(e.time)
		for _, d := range a.dims {
			value, ok := d.value(e, v)
			if !ok {
				continue
			}
			if a.cellCap > 0 && inSpan {
				value = a.admit(CellKey{bucket, d, value})
			}
			seen := seenValue{d, value}
			newVisitor := !a.seenVisitor[seen]
			newVisit := !a.seenVisit[seenVisitValue{a.visitOf[i], seen}]
			if newVisitor {
				a.seenVisitor[seen] = true
			}
			if newVisit {
				a.seenVisit[seenVisitValue{a.visitOf[i], seen}] = true
			}
			if !inSpan {
				continue
			}
			key := CellKey{bucket, d, value}
			c := a.cells[key]
			if c == nil {
				c = &Counts{}
				a.cells[key] = c
			}
			c.Events++
			if e.name == "pageview" {
				c.Pageviews++
			}
			if newVisitor {
				c.Visitors++
			}
			if newVisit {
				c.Visits++
				if v.pageviews == 1 {
					c.Bounces++
				}
				c.DurationMS += v.last.Sub(v.first).Milliseconds()
			}
		}
	}
}

// admit returns the value k is counted under: its own while its
// dimension has room for another cell, OtherValue after.
func (a *aggregator) admit(k CellKey) string {
	if _, ok := a.cells[k]; ok {
		return k.Value
	}
	if a.dimCells[k.Dim] < a.cellCap {
		a.dimCells[k.Dim]++
		a.cells[k] = &Counts{}
		return k.Value
	}
	return OtherValue
}

// addRows counts the rows of the events and visitor-events queries, which
// come ordered by visitor id and time, one visitor id and UTC day at a
// time: memory holds one visitor's day of events, not the span's.
//
// It returns the number of rows read with a time in [from, to).
func (a *aggregator) addRows(rows *sql.Rows, from, to time.Time) (int64, error) {
	defer rows.Close()
	var group []rollupEvent
	var n int64
	for rows.Next() {
		var e rollupEvent
		if err := scanEvent(rows, &e); err != nil {
			return n, err
		}
		if !e.time.Before(from) && e.time.Before(to) {
			n++
		}
		if len(group) > 0 && (group[0].visitor != e.visitor || group[0].day != e.day) {
			a.addVisitorDay(group)
			group = group[:0]
		}
		if len(group) < maxVisitorDayEvents {
			group = append(group, e)
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if len(group) > 0 {
		a.addVisitorDay(group)
	}
	return n, nil
}

func scanEvent(rows *sql.Rows, e *rollupEvent) error {
	var visitor int64
	err := rows.Scan(&e.id, &e.time, &e.name, &visitor, &e.path, &e.referrer, &e.source, &e.campaign,
		&e.browser, &e.os, &e.device, &e.screen, &e.language, &e.country, &e.search, &e.results, &e.link)
	if err != nil {
		return err
	}
	e.visitor = uint64(visitor)
	e.day = e.time.Unix() / 86400
	return nil
}

// defaultRollupBudget bounds the time one Rollup spends; the next run goes
// on from where it stopped, as every step keeps its progress.
const defaultRollupBudget = 20 * time.Second

// ErrRollupUnfinished is returned by SQLStore.Rollup when its time budget
// ran out before every site was up to date; what it did is kept, and the
// next run goes on from there.
var ErrRollupUnfinished = errors.New("analytics: rollup stopped at its time budget; the next run goes on")

// errRollupStale is returned inside a rollup step whose events changed
// between reading them and writing their rollups; the step is done again.
var errRollupStale = errors.New("analytics: events changed during the rollup")

// Rollup brings the rollups of every site up to now, less a short grace
// for batches still on their way, so that queries read raw events for the
// last few minutes only. Within an hour it redoes that hour's rows alone;
// once an hour has ended it recomputes the whole UTC day so far, so that
// visits going on across hours get their final length and bounce, and
// it writes a day's daily rows once the day is over. Run it every minute.
//
// Each step reads its events outside any write transaction, a visitor at
// a time, and then writes its rows in a short transaction that first
// checks that no event has arrived in the span meanwhile: a flood of events
// is never held up behind a rollup, and a rollup holds one visitor's day
// of events in memory, not the span's. A run stops after its budget,
// keeping what it has done, and returns ErrRollupUnfinished; each run
// starts with the next site, so that a flooded site cannot keep the others
// waiting.
func (s *SQLStore) Rollup(ctx context.Context, now time.Time) error {
	marks, err := s.sites(ctx)
	if err != nil {
		return err
	}
	target := now.Add(-RollupGrace).Truncate(time.Microsecond)
	deadline := time.Now().Add(s.budget)
	sites := sortedKeys(marks)
	first := 0
	if len(sites) > 0 {
		first = int(s.rollups.Add(1) % uint64(len(sites)))
	}
	for i := range sites {
		if err := s.rollupSite(ctx, sites[(first+i)%len(sites)], target, deadline); err != nil {
			return err
		}
	}
	return nil
}

// rollupSite rolls one site up to target, a UTC day or an hour per step,
// or returns ErrRollupUnfinished at deadline.
func (s *SQLStore) rollupSite(ctx context.Context, site string, target, deadline time.Time) error {
	for step := 0; ; step++ {
		// Every run takes at least one step, however short its budget.
		if step > 0 && !time.Now().Before(deadline) {
			return ErrRollupUnfinished
		}
		m, err := s.site(ctx, site)
		if err != nil {
			return err
		}
		if !m.rolledUntil.Before(target) {
			return nil
		}
		if hour := target.Truncate(time.Hour); !m.rolledUntil.Before(hour) {
			if err := s.rollupHour(ctx, site, m.rolledUntil, hour, target); err != nil && !errors.Is(err, errRollupStale) {
				return fmt.Errorf("analytics: roll up %s %s: %w", site, hour.Format(time.RFC3339), err)
			}
			continue
		}
		day := UTCDay(m.rolledUntil)
		if day.Equal(m.rolledUntil) {
			// Skip the days without events; a day begun but not yet
			// finished is always done again.
			var next time.Time
			err := s.db.QueryRowContext(ctx, s.q["first-event"], site, m.rolledUntil).Scan(&next)
			switch {
			case errors.Is(err, store.ErrNotFound):
				next = target
			case err != nil:
				return fmt.Errorf("analytics: roll up %s from %s: find the next event: %w", site, m.rolledUntil.Format(time.RFC3339), err)
			}
			day = UTCDay(Earlier(next, target))
		}
		if err := s.rollupDay(ctx, site, m.rolledUntil, day, target); err != nil && !errors.Is(err, errRollupStale) {
			return fmt.Errorf("analytics: roll up %s %s: %w", site, day.Format(time.DateOnly), err)
		}
	}
}

// rollupDay recomputes the hourly rows of one UTC day up to target, and its
// daily rows when target has passed the day, unless the site's marks moved
// from was since they were read.
func (s *SQLStore) rollupDay(ctx context.Context, site string, was, day, target time.Time) error {
	end := day.AddDate(0, 0, 1)
	until := Earlier(end, target)
	agg := newAggregator(allDimensions(), func(t time.Time) (int64, bool) {
		return t.Unix() / 3600, t.Before(until)
	})
	agg.cellCap = rollupCellCap
	rows, err := s.db.QueryContext(ctx, s.q["events"], site, day, end)
	if err != nil {
		return fmt.Errorf("read the events: %w", err)
	}
	seen, err := agg.addRows(rows, day, until)
	if err != nil {
		return fmt.Errorf("read the events: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkUnchanged(ctx, tx, site, was, day, until, seen); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q["delete-hourly"], site, day, end); err != nil {
			return err
		}
		if err := s.insertRollups(ctx, tx, "insert-hourly", site, agg.cells); err != nil {
			return err
		}
		if until.Equal(end) {
			daily := DailyCells(agg.cells, day)
			if _, err := tx.ExecContext(ctx, s.q["delete-daily"], site, day, end); err != nil {
				return err
			}
			if err := s.insertRollups(ctx, tx, "insert-daily", site, daily); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.q["advance-site"], site, until)
		return err
	})
	if err != nil {
		return fmt.Errorf("write the rollups: %w", err)
	}
	return nil
}

// rollupHour recomputes the rows of the hour under way, up to target, from
// the events of the visitors active in it, unless the site's marks moved
// from was since they were read. Those visitors' earlier events of the day
// tell which of them, and of their visits, the earlier hours have already
// counted.
func (s *SQLStore) rollupHour(ctx context.Context, site string, was, hour, target time.Time) error {
	day := UTCDay(hour)
	agg := newAggregator(allDimensions(), func(t time.Time) (int64, bool) {
		return t.Unix() / 3600, !t.Before(hour) && t.Before(target)
	})
	agg.cellCap = rollupCellCap
	rows, err := s.db.QueryContext(ctx, s.q["visitor-events"], site, day, day.AddDate(0, 0, 1), hour, target)
	if err != nil {
		return fmt.Errorf("read the events: %w", err)
	}
	seen, err := agg.addRows(rows, hour, target)
	if err != nil {
		return fmt.Errorf("read the events: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.checkUnchanged(ctx, tx, site, was, hour, target, seen); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q["delete-hourly"], site, hour, hour.Add(time.Hour)); err != nil {
			return err
		}
		if err := s.insertRollups(ctx, tx, "insert-hourly", site, agg.cells); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q["advance-site"], site, target)
		return err
	})
	if err != nil {
		return fmt.Errorf("write the rollups: %w", err)
	}
	return nil
}

// checkUnchanged locks the site's marks for the rest of tx and returns
// errRollupStale when they have moved from was, which late events do by
// rewinding them, or when [from, to) no longer holds the seen events that
// the rollup read: a batch written since then, which would otherwise fall
// behind the marks uncounted.
func (s *SQLStore) checkUnchanged(ctx context.Context, tx *store.Tx, site string, was, from, to time.Time, seen int64) error {
	if moved, err := s.marksMoved(ctx, tx, site, was); moved || err != nil {
		if err == nil {
			err = errRollupStale
		}
		return err
	}
	var n int64
	if err := tx.QueryRowContext(ctx, s.q["count-events"], site, from, to).Scan(&n); err != nil {
		return err
	}
	if n != seen {
		return errRollupStale
	}
	return nil
}

// marksMoved locks the site's marks for the rest of tx and reports whether
// they have moved from was, which late events do by rewinding them.
func (s *SQLStore) marksMoved(ctx context.Context, tx *store.Tx, site string, was time.Time) (bool, error) {
	var m siteMarks
	if err := tx.QueryRowContext(ctx, s.q["lock-site"], site).Scan(&m.rolledUntil, &m.rawFrom); err != nil {
		return false, err
	}
	return !m.rolledUntil.Equal(was), nil
}

// CountHours counts one UTC day's events, every one of them, by UTC hour
// in every dimension: the hourly cells of the day's rollups, whose buckets
// are Unix hours. Events come in time order; their position breaks ties
// in time, as the SQL store's insertion order does.
func CountHours(events []Event) map[CellKey]*Counts {
	rows := make([]rollupEvent, len(events))
	for i := range events {
		e := &events[i]
		rows[i] = rollupEvent{
			id: int64(i), time: e.Time.UTC(), day: e.Time.Unix() / 86400, name: e.Name,
			visitor: e.Visitor, path: e.Path, referrer: e.Referrer, source: e.Source,
			campaign: e.Campaign, browser: e.Browser, os: e.OS, device: e.Device, screen: e.Screen,
			language: e.Language, country: e.Country, search: e.Search, results: e.Results, link: e.Link,
		}
	}
	agg := newAggregator(allDimensions(), func(t time.Time) (int64, bool) { return t.Unix() / 3600, true })
	agg.add(rows)
	return agg.cells
}

// DailyCells sums the hourly cells of one UTC day into its daily ones,
// whose bucket is the day's first hour.
func DailyCells(hourly map[CellKey]*Counts, day time.Time) map[CellKey]*Counts {
	daily := make(map[CellKey]*Counts)
	for k, c := range hourly {
		k.Bucket = day.Unix() / 3600
		d := daily[k]
		if d == nil {
			d = &Counts{}
			daily[k] = d
		}
		d.Add(c)
	}
	return daily
}

func allDimensions() []Dimension {
	dims := make([]Dimension, 0, DimCount)
	for d := range DimCount {
		dims = append(dims, d)
	}
	return dims
}

// rollupBatch bounds the rows of one insert statement.
const rollupBatch = 2000

// insertRollups writes cells, whose buckets are Unix hours, with the
// named insert query.
func (s *SQLStore) insertRollups(ctx context.Context, tx *store.Tx, query, site string, cells map[CellKey]*Counts) error {
	keys := make([]CellKey, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	for len(keys) > 0 {
		n := min(len(keys), rollupBatch)
		buf := []byte{'['}
		for i, k := range keys[:n] {
			c := cells[k]
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			buf = appendJSONString(buf, site)
			buf = appendJSONString(append(buf, ','), k.Dim.String())
			buf = s.appendTime(append(buf, ','), time.Unix(k.Bucket*3600, 0))
			buf = appendJSONString(append(buf, ','), k.Value)
			for _, v := range []int64{c.Visitors, c.Visits, c.Pageviews, c.Events, c.Bounces, c.DurationMS} {
				buf = strconv.AppendInt(append(buf, ','), v, 10)
			}
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
		if _, err := tx.ExecContext(ctx, s.q[query], string(buf)); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// UTCDay returns the start of t's UTC day.
func UTCDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Earlier returns the earlier of two times.
func Earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
