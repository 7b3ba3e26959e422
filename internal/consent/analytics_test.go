package consent_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
)

func TestAnalyticsAllowed(t *testing.T) {
	tool := func(category string) string {
		return "tools:\n" +
			"  - id: noren-analytics\n" +
			"    name: {ja: アクセス解析, en: Analytics}\n" +
			"    kind: analytics\n" +
			"    party: first\n" +
			"    category: " + category + "\n" +
			"    information_sent: {ja: 閲覧したページのアドレス, en: the address of the page viewed}\n" +
			"    purpose: {ja: 利用状況を集計するため, en: to count how the site is used}\n"
	}
	src := siteYAML(t)
	undeclared := parseManifest(t, "undeclared", src)
	necessary := parseManifest(t, "necessary", edit(t, src, "tools:\n", tool("necessary")))
	gated := parseManifest(t, "gated", edit(t, src, "tools:\n", tool("analytics")))
	// Statistics that run until the visitor refuses them, as the demo's.
	optOut := parseManifest(t, "opt-out", edit(t, edit(t, src, "tools:\n", tool("statistics")),
		"cookie_categories:\n", "cookie_categories:\n  - id: statistics\n    before_choice: true\n"))
	allowAll := map[string]bool{"preferences": true, "statistics": true, "analytics": true, "advertising": true, "embeds": true}
	yes := func() *http.Request {
		return withCookie(httptest.NewRequest(http.MethodGet, "/", nil),
			cookieFor(gated, clock.Add(-1), allowAll, map[string]bool{"noren-analytics": true}))
	}
	no := func() *http.Request {
		return withCookie(httptest.NewRequest(http.MethodGet, "/", nil),
			cookieFor(gated, clock.Add(-1), map[string]bool{"analytics": false}, map[string]bool{"noren-analytics": false}))
	}
	none := func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }
	switchedOff := func() *http.Request {
		return withCookie(httptest.NewRequest(http.MethodGet, "/", nil),
			cookieFor(optOut, clock.Add(-1), map[string]bool{"statistics": false}, map[string]bool{"noren-analytics": false}))
	}
	for _, tc := range []struct {
		name    string
		m       *manifest.Manifest
		request func() *http.Request
		want    bool
	}{
		{"not declared", undeclared, yes, false},
		{"declared necessary, no choice", necessary, none, true},
		{"declared necessary, with GPC", necessary, func() *http.Request { return gpcHeader(none()) }, true},
		{"needs consent, no choice", gated, none, false},
		{"needs consent, allowed", gated, yes, true},
		{"needs consent, refused", gated, no, false},
		{"needs consent, allowed, with GPC", gated, func() *http.Request { return gpcHeader(yes()) }, false},
		{"before a choice, no choice", optOut, none, true},
		{"before a choice, with GPC", optOut, func() *http.Request { return gpcHeader(none()) }, false},
		{"before a choice, switched off", optOut, switchedOff, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := consent.AnalyticsAllowed(tc.m, tc.request(), clock); got != tc.want {
				t.Errorf("AnalyticsAllowed = %v, want %v", got, tc.want)
			}
		})
	}
}
