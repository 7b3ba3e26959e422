package analytics

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestGenerateIsDeterministic checks that a seed always gives the same
// events and that another seed gives others.
func TestGenerateIsDeterministic(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := generateEvents(t, 42, "demo.localhost", from, from.AddDate(0, 0, 3), 2000)
	b := generateEvents(t, 42, "demo.localhost", from, from.AddDate(0, 0, 3), 2000)
	c := generateEvents(t, 43, "demo.localhost", from, from.AddDate(0, 0, 3), 2000)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different events")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds gave the same events")
	}
}

// TestGenerateShape checks what the dashboard's acceptance test and the
// stores' tests rely on: exactly n events, in time order, inside the
// range, visits both one pageview and many long, visitors coming back
// exactly VisitGap after their last event and just over it, and every
// kind of traffic the dashboard shows.
func TestGenerateShape(t *testing.T) {
	from := time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 14)
	const n = 20000
	events := generateEvents(t, 1, "demo.localhost", from, to, n)
	if len(events) != n {
		t.Fatalf("%d events, want %d", len(events), n)
	}
	seen := map[string]bool{}
	for i, e := range events {
		if i > 0 && e.Time.Before(events[i-1].Time) {
			t.Fatalf("event %d at %s comes before event %d at %s", i, e.Time, i-1, events[i-1].Time)
		}
		if e.Time.Before(from) || !e.Time.Before(to) {
			t.Fatalf("event at %s outside [%s, %s)", e.Time, from, to)
		}
		if e.Site != "demo.localhost" || e.Visitor == 0 {
			t.Fatalf("event %d lacks its site or visitor: %+v", i, e)
		}
		seen["name "+e.Name] = true
		seen["source "+e.Source] = true
		seen["language "+e.Language] = true
		seen["device "+e.Device] = true
		if e.Name == "search" && e.Results == 0 {
			seen["zero-result search"] = true
		}
		if e.Name == "download" && e.Link == "https://demo.localhost/files/startup-support-guide-2026.pdf" {
			seen["PDF download"] = true
		}
	}
	type visitorDay struct {
		visitor uint64
		day     int64
	}
	last := map[visitorDay]time.Time{}
	for _, e := range events {
		k := visitorDay{e.Visitor, e.Time.Unix() / 86400}
		if prev, ok := last[k]; ok {
			switch gap := e.Time.Sub(prev); {
			case gap == VisitGap:
				seen["gap of exactly VisitGap"] = true
			case gap > VisitGap && gap <= VisitGap+time.Second:
				seen["gap just over VisitGap"] = true
			}
		}
		last[k] = e.Time
	}
	for _, want := range []string{
		"name pageview", "name search", "name outbound", "name download", "name 404",
		"source Google", "source Yahoo! JAPAN", "source X", "source ", "source Newsletter",
		"language ja", "language en", "device desktop", "device mobile", "device tablet",
		"zero-result search", "PDF download", "gap of exactly VisitGap", "gap just over VisitGap",
	} {
		if !seen[want] {
			t.Errorf("no %s among the events", want)
		}
	}
	histogram := map[int]int{}
	x := newExpectation(events)
	for _, v := range x.visits {
		histogram[v.pageviews]++
	}
	if histogram[1] == 0 || histogram[6] == 0 {
		t.Errorf("visit lengths %v lack bounces or long visits", histogram)
	}
}

// TestGenerateStopsOnEmitError checks that an error from emit ends the
// run and is returned, and that bad arguments are refused.
func TestGenerateStopsOnEmitError(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	stop := errors.New("stop")
	calls := 0
	err := Generate(1, "demo.localhost", from, from.AddDate(0, 0, 1), 100, func(Event) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Generate = %v after %d calls, want stop after 1", err, calls)
	}
	for _, bad := range []struct {
		site     string
		from, to time.Time
		n        int
	}{
		{"demo.localhost", from, from, 10},
		{"demo.localhost", from, from.Add(time.Hour), -1},
		{"", from, from.Add(time.Hour), 10},
	} {
		if err := Generate(1, bad.site, bad.from, bad.to, bad.n, func(Event) error { return nil }); err == nil {
			t.Errorf("Generate(%q, %s, %s, %d) accepted", bad.site, bad.from, bad.to, bad.n)
		}
	}
}
