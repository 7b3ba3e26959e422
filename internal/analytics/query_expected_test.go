package analytics

import (
	"cmp"
	"slices"
	"time"
)

// This file computes the dashboard's figures straight from a slice of
// events, with maps and loops and none of the store's code, following the
// definitions written down in rollup.go: a visitor is a visitor id in one
// UTC day, and its events of that day, in time order, form visits split
// wherever more than VisitGap passes between two; each counts once,
// at its first event matching the filter; pageviews and events count by
// their own time; source, referrer and campaign are the visit's first
// event's.

// expectedVisit is what the figures need to know of a whole visit.
type expectedVisit struct {
	first, last time.Time
	pageviews   int
	entry, exit string
	// start is the visit's first event, which says where it came from.
	start Event
}

// expectedID names a visitor or visit: a visitor id on one UTC day, and
// for a visit its number within that day.
type expectedID struct {
	id    uint64
	day   int64
	visit int
}

// expectation holds generated events and what the figures need to know of
// their visits.
type expectation struct {
	events []Event
	// visitOf names the visit of each event of events.
	visitOf []expectedID
	visits  map[expectedID]*expectedVisit
}

func newExpectation(events []Event) *expectation {
	x := &expectation{events: events, visitOf: make([]expectedID, len(events)), visits: map[expectedID]*expectedVisit{}}
	byVisitorDay := map[expectedID][]int{}
	for i, e := range events {
		k := expectedID{id: e.Visitor, day: e.Time.Unix() / (24 * 60 * 60)}
		byVisitorDay[k] = append(byVisitorDay[k], i)
	}
	for k, idx := range byVisitorDay {
		// Events of equal time keep their order in events, as the SQL
		// store keeps the order of insertion.
		slices.SortStableFunc(idx, func(a, b int) int { return events[a].Time.Compare(events[b].Time) })
		var v *expectedVisit
		for n, i := range idx {
			e := events[i]
			if n == 0 || e.Time.Sub(events[idx[n-1]].Time) > 30*time.Minute {
				k.visit++
				v = &expectedVisit{first: e.Time, start: e}
				x.visits[k] = v
			}
			x.visitOf[i] = k
			v.last = e.Time
			if e.Name == "pageview" {
				if v.pageviews == 0 {
					v.entry = e.Path
				}
				v.exit = e.Path
				v.pageviews++
			}
		}
	}
	return x
}

// expectedValue is a dimension's value for an event of visit v.
func expectedValue(dim string, e Event, v *expectedVisit) (string, bool) {
	switch dim {
	case "":
		return "", true
	case "path":
		return e.Path, e.Name == "pageview"
	case "entry":
		return v.entry, v.pageviews > 0
	case "exit":
		return v.exit, v.pageviews > 0
	case "source":
		return v.start.Source, true
	case "referrer":
		return v.start.Referrer, true
	case "campaign":
		return v.start.Campaign, true
	case "browser":
		return e.Browser, true
	case "os":
		return e.OS, true
	case "device":
		return e.Device, true
	case "screen":
		return e.Screen, true
	case "language":
		return e.Language, true
	case "country":
		return e.Country, true
	case "outbound":
		return e.Link, e.Name == "outbound"
	case "download":
		return e.Link, e.Name == "download"
	case "404":
		return e.Path, e.Name == "404"
	case "search":
		return e.Search, e.Name == "search"
	case "search-zero":
		return e.Search, e.Name == "search" && e.Results == 0
	case "event":
		return e.Name, e.Name != "pageview"
	}
	panic("unknown dimension " + dim)
}

// expectedFigures are one value's figures.
type expectedFigures struct {
	visitors, visits, pageviews, events, bounces int64
	durationMS                                   int64
}

// expectedBreakdown returns the figures of every value of dim for the
// events of site matching where, in [from, to).
func (x *expectation) breakdown(site string, where map[string]string, dim string, from, to time.Time) map[string]*expectedFigures {
	type firstKey struct {
		expectedID
		value string
	}
	firstVisitor := map[firstKey]time.Time{}
	firstVisit := map[firstKey]time.Time{}
	out := map[string]*expectedFigures{}
	get := func(value string) *expectedFigures {
		if out[value] == nil {
			out[value] = &expectedFigures{}
		}
		return out[value]
	}
	inRange := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for i, e := range x.events {
		if e.Site != site {
			continue
		}
		visit := x.visitOf[i]
		v := x.visits[visit]
		matches := true
		for d, want := range where {
			if got, ok := expectedValue(d, e, v); !ok || got != want {
				matches = false
			}
		}
		if !matches {
			continue
		}
		value, ok := expectedValue(dim, e, v)
		if !ok {
			continue
		}
		for _, first := range []struct {
			m  map[firstKey]time.Time
			id expectedID
		}{{firstVisitor, expectedID{id: visit.id, day: visit.day}}, {firstVisit, visit}} {
			k := firstKey{first.id, value}
			if t, ok := first.m[k]; !ok || e.Time.Before(t) {
				first.m[k] = e.Time
			}
		}
		if inRange(e.Time) {
			f := get(value)
			f.events++
			if e.Name == "pageview" {
				f.pageviews++
			}
		}
	}
	for k, t := range firstVisitor {
		if inRange(t) {
			get(k.value).visitors++
		}
	}
	for k, t := range firstVisit {
		if !inRange(t) {
			continue
		}
		v := x.visits[k.expectedID]
		f := get(k.value)
		f.visits++
		if v.pageviews == 1 {
			f.bounces++
		}
		f.durationMS += v.last.Sub(v.first).Milliseconds()
	}
	return out
}

// expectedTotals is what Totals should return.
func (x *expectation) totals(f Filter) Totals {
	fig := x.breakdown(f.Site, f.Where, "", f.From, f.To)[""]
	if fig == nil {
		return Totals{}
	}
	t := Totals{Visitors: fig.visitors, Pageviews: fig.pageviews, Visits: fig.visits}
	if fig.visits > 0 {
		t.BounceRate = float64(fig.bounces) / float64(fig.visits)
		t.VisitDuration = time.Duration(fig.durationMS) * time.Millisecond / time.Duration(fig.visits)
	}
	return t
}

// expectedSeries is what Series should return: the totals of each hour,
// day or month of the filter's zone, clipped to the range.
func (x *expectation) series(f Filter, interval string) []Point {
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	l := f.From.In(loc)
	var start time.Time
	var step func(time.Time) time.Time
	switch interval {
	case "hour":
		start = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
		step = func(t time.Time) time.Time { return t.Add(time.Hour) }
	case "day":
		start = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		step = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case "month":
		start = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		step = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	}
	var points []Point
	for t := start; t.Before(f.To); t = step(t) {
		g := f
		if t.After(g.From) {
			g.From = t
		}
		if next := step(t); next.Before(g.To) {
			g.To = next
		}
		points = append(points, Point{Start: t, Totals: x.totals(g)})
	}
	return points
}

// expectedTop is what Top should return.
func (x *expectation) top(f Filter, dim string, limit int) []Row {
	rows := []Row{}
	for value, fig := range x.breakdown(f.Site, f.Where, dim, f.From, f.To) {
		rows = append(rows, Row{Value: value, Visitors: fig.visitors, Visits: fig.visits, Pageviews: fig.pageviews, Events: fig.events})
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.Visitors, a.Visitors), cmp.Compare(b.Pageviews, a.Pageviews),
			cmp.Compare(b.Events, a.Events), cmp.Compare(a.Value, b.Value))
	})
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return rows
}
