package dashboard

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// FuzzQuery parses query strings as the dashboard and the API
// receive them: parsing never panics, an accepted query covers one to
// maxDays days, and the links the page builds from it read back
// as the same query.
func FuzzQuery(f *testing.F) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		aq, err := parseQuery(q, now, testZone)
		if err != nil {
			if _, ok := err.(*queryError); !ok {
				t.Fatalf("%q: error %v is not a queryError", raw, err)
			}
			return
		}
		if n := aq.days(); n < 1 || n > maxDays {
			t.Fatalf("%q: accepted %d days", raw, n)
		}
		again, err := parseQuery(aq.values(testSite, testSite), now, testZone)
		if err != nil {
			t.Fatalf("%q: the query's link %q is refused: %v", raw, aq.values(testSite, testSite).Encode(), err)
		}
		if !again.First.Equal(aq.First) || !again.Last.Equal(aq.Last) || again.Metric != aq.Metric ||
			!slices.Equal(again.Filters, aq.Filters) || !slices.Equal(again.More, aq.More) {
			t.Fatalf("%q: read back as %+v, want %+v", raw, again, aq)
		}
		if _, err := parseInterval(q.Get("interval"), aq); err != nil {
			if _, ok := err.(*queryError); !ok {
				t.Fatalf("%q: interval error %v is not a queryError", raw, err)
			}
		}
	})
}
