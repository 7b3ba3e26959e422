package analytics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/ratelimit"
)

// TestRecordSearch checks the searches a server counts itself: a person's
// is stored with its query and count, while a bot's, a declined visitor's,
// another site's and those past the network's limit are not.
func TestRecordSearch(t *testing.T) {
	allow := true
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) {
		o.Allow = func(*http.Request) bool { return allow }
		o.Limiter = ratelimit.New(1, 3, 0)
	})
	req := func(ua, remote string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://example.com/ja/search?q=x", nil)
		r.Header.Set("User-Agent", ua)
		r.Header.Set("Accept-Language", "ja,en;q=0.5")
		r.RemoteAddr = remote
		return r
	}
	tests := []struct {
		name    string
		r       *http.Request
		site    string
		allow   bool
		query   string
		taken   bool
		outcome string
	}{
		{"a person", req(chromeUA, "192.0.2.1:1000"), "example.com", true, "補助金", true, outcomeAccepted},
		{"a bot", req("Googlebot/2.1 (+http://www.google.com/bot.html)", "198.51.100.1:1000"), "example.com", true, "x", false, outcomeBot},
		{"declined", req(chromeUA, "198.51.100.2:1000"), "example.com", false, "x", false, outcomeDeclined},
		{"another site", req(chromeUA, "198.51.100.3:1000"), "elsewhere.example", true, "x", false, outcomeInvalid},
		{"long and invalid", req(chromeUA, "203.0.113.1:1000"), "example.com", true, "\xff" + strings.Repeat("語", 200), true, outcomeAccepted},
	}
	for _, tt := range tests {
		allow = tt.allow
		if got := h.c.RecordSearch(tt.r, tt.site, tt.query, 0); got != tt.taken {
			t.Errorf("%s: taken %t, want %t", tt.name, got, tt.taken)
		}
	}
	allow = true
	limited := 0
	for range 5 {
		if !h.c.RecordSearch(req(chromeUA, "100.64.0.9:1000"), "example.com", "again", 2) {
			limited++
		}
	}
	if limited != 2 || h.metric("noren_analytics_requests_total", outcomeLimited) != 2 {
		t.Errorf("%d searches over the network's limit refused, want 2", limited)
	}
	events := h.flush()
	if len(events) != 5 {
		t.Fatalf("%d events stored, want 5: %+v", len(events), events)
	}
	e := events[0]
	if e.Name != "search" || e.Search != "補助金" || e.Results != 0 || e.Path != "/ja/search" || e.Site != "example.com" || e.Language != "ja" || e.Visitor == 0 {
		t.Errorf("stored %+v", e)
	}
	if long := events[1].Search; len(long) > maxProp || strings.ContainsRune(long, '\uFFFD') || !strings.HasPrefix(long, "語") {
		t.Errorf("a long query with an invalid byte is stored as %q", long)
	}
}

// TestRecordSearchRefusesOtherSites checks that a search another site's
// page makes a visitor's browser send, through an image, a script's fetch
// or a frame, is not counted: the collector takes no event from another
// origin, and its search terms would otherwise be that page's to choose.
// What the visitor asked for here, or in a browser that says nothing, is.
func TestRecordSearchRefusesOtherSites(t *testing.T) {
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) {
		o.AllowOrigins = []string{"https://partner.example"}
	})
	tests := []struct {
		name   string
		header []string
		taken  bool
	}{
		{"no fetch metadata", nil, true},
		{"typed or bookmarked", []string{"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"}, true},
		{"the site's own form", []string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"}, true},
		{"the site's own script", []string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty"}, true},
		{"a link followed from elsewhere", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"}, true},
		{"an allowed origin", []string{"Origin", "https://partner.example"}, true},
		{"an image elsewhere", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"}, false},
		{"a fetch elsewhere", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "empty"}, false},
		{"a frame elsewhere", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "iframe"}, false},
		{"a redirect without a click", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"}, false},
		{"a sibling site's image", []string{"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"}, false},
		{"another origin, older browser", []string{"Origin", "https://spam.example"}, false},
	}
	for i, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "http://example.com/api/search?q=x&record=1", nil)
		r.Header.Set("User-Agent", chromeUA)
		r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1000", i+1)
		for j := 0; j+1 < len(tt.header); j += 2 {
			r.Header.Set(tt.header[j], tt.header[j+1])
		}
		if got := h.c.RecordSearch(r, "example.com", "spam "+tt.name, 0); got != tt.taken {
			t.Errorf("%s: taken %t, want %t", tt.name, got, tt.taken)
		}
	}
}
