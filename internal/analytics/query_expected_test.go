package analytics

import (
	"cmp"
	"slices"
	"time"
)

// This file computes the dashboard's figures straight from a slice of
// events, with maps and loops and none of the store's code, following the
// definitions written down in rollup.go: a visit is a session's events in
// one UTC day and a visitor a visitor id in one UTC day; each counts once,
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

// expectedID names a visitor or visit: an id on one UTC day.
type expectedID struct {
	id  uint64
	day int64
}

func expectedIDOf(id uint64, t time.Time) expectedID {
	return expectedID{id, t.Unix() / (24 * 60 * 60)}
}

// expectation holds generated events and what the figures need to know of
// their visits.
type expectation struct {
	events []Event
	visits map[expectedID]*expectedVisit
}

func newExpectation(events []Event) *expectation {
	return &expectation{events: events, visits: expectedVisits(events)}
}

// expectedVisits describes every visit of events.
func expectedVisits(events []Event) map[expectedID]*expectedVisit {
	byVisit := map[expectedID][]Event{}
	for _, e := range events {
		k := expectedIDOf(e.Session, e.Time)
		byVisit[k] = append(byVisit[k], e)
	}
	visits := map[expectedID]*expectedVisit{}
	for k, evs := range byVisit {
		slices.SortStableFunc(evs, func(a, b Event) int { return a.Time.Compare(b.Time) })
		v := &expectedVisit{first: evs[0].Time, last: evs[len(evs)-1].Time, start: evs[0]}
		for _, e := range evs {
			if e.Name == "pageview" {
				if v.pageviews == 0 {
					v.entry = e.Path
				}
				v.exit = e.Path
				v.pageviews++
			}
		}
		visits[k] = v
	}
	return visits
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
	for _, e := range x.events {
		if e.Site != site {
			continue
		}
		v := x.visits[expectedIDOf(e.Session, e.Time)]
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
			id uint64
		}{{firstVisitor, e.Visitor}, {firstVisit, e.Session}} {
			k := firstKey{expectedIDOf(first.id, e.Time), value}
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
