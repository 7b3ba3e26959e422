package consent_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
)

// allDecided is a choice deciding every category and tool of the site
// manifest that needs consent: analytics and Google Analytics accepted,
// the rest refused. The built-in statistics category, which nothing of the
// site belongs to, is not among them.
func allDecided() (cats, tools map[string]bool) {
	return map[string]bool{"preferences": false, "analytics": true, "advertising": false, "embeds": false},
		map[string]bool{"display-settings": false, "google-analytics": true, "youtube": false, "ad-network": false}
}

func TestVersion(t *testing.T) {
	src := siteYAML(t)
	base := consent.Version(parseManifest(t, "base", src))
	if len(base) != 12 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("Version = %q, want 12 hex digits", base)
	}
	tests := []struct {
		name    string
		src     string
		changes bool
	}{
		{"same manifest", src, false},
		{"reworded tool", edit(t, src, "to play videos}", "to play the videos on this site}"), false},
		{"renamed category", edit(t, src, "en: Embedded content}", "en: Content from other sites}"), false},
		{"new policy version", edit(t, src, `version: "2026.3"`, `version: "2026.4"`), false},
		{"tool added", edit(t, src, "consent:", vimeoTool), true},
		{"tool moved", edit(t, src, "    category: embeds\n    information_sent: {ja: 動画を含むページのアドレス、IPアドレス",
			"    category: advertising\n    information_sent: {ja: 動画を含むページのアドレス、IPアドレス"), true},
		{"tool made necessary", edit(t, src, "    category: preferences\n", "    category: necessary\n"), true},
		{"necessary tool added", edit(t, src, "consent:", strings.Replace(strings.Replace(vimeoTool, "category: embeds", "category: necessary", 1), "consent:", "", 1)+"consent:"), false},
		// A category the manifest lists is asked about even before a tool
		// joins it: the site's own scripts may be held back by it alone.
		{"category added", edit(t, src, "tools:\n", chatCategory+"tools:\n"), true},
		{"category added with a tool", edit(t, edit(t, src, "tools:\n", chatCategory+"tools:\n"), "consent:", strings.Replace(vimeoTool, "category: embeds", "category: chat", 1)), true},
		{"category added with a cookie", edit(t, edit(t, src, "tools:\n", chatCategory+"tools:\n"), "    category: necessary\n", "    category: necessary\n"+chatCookie), true},
		{"first tool of a built-in category", edit(t, src, "consent:", counterTool), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consent.Version(parseManifest(t, tt.name, tt.src))
			if (got != base) != tt.changes {
				t.Errorf("Version = %s, base %s; want changed=%v", got, base, tt.changes)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	src := siteYAML(t)
	m := siteManifest(t)
	cats, tools := allDecided()
	current := cookieFor(m, clock.Add(-24*time.Hour), cats, tools)
	withVimeo := parseManifest(t, "with vimeo", edit(t, src, "consent:", vimeoTool))
	reworded := parseManifest(t, "reworded", edit(t, edit(t, src, "to play videos}", "to play the videos}"), "en: Embedded content}", "en: Embeds}"))
	sixMonths := clock.AddDate(0, -6, 0)
	withCounter := parseManifest(t, "with a counter", edit(t, src, "consent:", counterTool))
	oldRules := consent.Choice{
		Receipt:    "AAAAAAAAAAAAAAAAAAAAAA",
		Given:      clock.Add(-time.Hour),
		Version:    "0123456789ab",
		Policy:     m.ShortHash(),
		Categories: map[string]bool{"preferences": false, "statistics": true, "analytics": true, "advertising": false, "embeds": false},
		Tools:      tools,
	}.CookieValue()

	tests := []struct {
		name                    string
		m                       *manifest.Manifest
		cookie                  string
		present, stale, expired bool
		new                     []string
	}{
		{"no cookie", m, "", false, false, false, nil},
		{"malformed", m, "1.nonsense", false, false, false, nil},
		{"current", m, current, true, false, false, nil},
		{"tool added since", withVimeo, current, true, true, false, []string{"vimeo"}},
		{"wording changed since", reworded, current, true, false, false, nil},
		{"category and tool missing", m, cookieFor(m, clock, without(cats, "embeds"), without(tools, "youtube")), true, true, false, []string{"embeds", "youtube"}},
		{"exactly six months old", m, cookieFor(m, sixMonths, cats, tools), true, false, false, nil},
		{"older than six months", m, cookieFor(m, sixMonths.Add(-time.Second), cats, tools), true, false, true, nil},
		// A choice made when every category was asked about names those
		// nothing belongs to, under another version: nothing is missing.
		{"unused categories decided", m, oldRules, true, false, false, nil},
		{"first tool of a category, choice without it", withCounter, current, true, true, false, []string{"statistics", "visit-counter"}},
		{"first tool of a category, choice with it", withCounter, oldRules, true, true, false, []string{"visit-counter"}},
		{"expiry from the manifest", parseManifest(t, "30d", edit(t, src, "consent:\n", "consent:\n  expires: 30d\n")),
			cookieFor(m, clock.AddDate(0, 0, -31), cats, tools), true, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := consent.Evaluate(tt.m, tt.cookie, clock)
			if st.Present != tt.present || st.Stale != tt.stale || st.Expired != tt.expired {
				t.Errorf("Evaluate: present=%v stale=%v expired=%v, want %v %v %v", st.Present, st.Stale, st.Expired, tt.present, tt.stale, tt.expired)
			}
			if !slices.Equal(st.New, tt.new) {
				t.Errorf("New = %q, want %q", st.New, tt.new)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	m := siteManifest(t)
	withVimeo := parseManifest(t, "with vimeo", edit(t, siteYAML(t), "consent:", vimeoTool))
	cats, tools := allDecided()
	fresh := cookieFor(m, clock, cats, tools)
	expired := cookieFor(m, clock.AddDate(-1, 0, 0), cats, tools)
	// The tool's own entry decides, not its category's.
	ownEntry := cookieFor(m, clock, cats, map[string]bool{"google-analytics": false, "youtube": true})

	tests := []struct {
		name   string
		m      *manifest.Manifest
		cookie string
		tool   string
		want   bool
	}{
		{"necessary tool without a choice", m, "", "noren", true},
		{"gated tool without a choice", m, "", "google-analytics", false},
		{"accepted", m, fresh, "google-analytics", true},
		{"refused", m, fresh, "youtube", false},
		{"first-party gated tool refused", m, fresh, "display-settings", false},
		{"accepted but expired", m, expired, "google-analytics", false},
		{"necessary tool, expired", m, expired, "noren", true},
		{"tool refused though its category is accepted", m, ownEntry, "google-analytics", false},
		{"tool accepted though its category is refused", m, ownEntry, "youtube", true},
		{"new tool, stale choice", withVimeo, fresh, "vimeo", false},
		{"old tool, stale choice", withVimeo, fresh, "google-analytics", true},
		{"unknown tool", m, fresh, "no-such-tool", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := consent.Evaluate(tt.m, tt.cookie, clock)
			if got := consent.Allowed(tt.m, st, tt.tool, false); got != tt.want {
				t.Errorf("Allowed(%s) = %v, want %v", tt.tool, got, tt.want)
			}
		})
	}
}

func without(d map[string]bool, id string) map[string]bool {
	out := map[string]bool{}
	for k, v := range d {
		if k != id {
			out[k] = v
		}
	}
	return out
}

func TestAllowedFor(t *testing.T) {
	m := siteManifest(t)
	cats, tools := allDecided()
	accepted := cookieFor(m, clock, cats, tools)
	tests := []struct {
		name   string
		cookie string
		gpc    bool
		tool   string
		want   bool
	}{
		{"necessary tool, no cookie", "", false, "noren", true},
		{"necessary tool under GPC", "", true, "noren", true},
		{"gated tool, no cookie", "", false, "google-analytics", false},
		{"gated tool accepted", accepted, false, "google-analytics", true},
		// An earlier acceptance does not outweigh a signal sent now.
		{"gated tool accepted, then GPC", accepted, true, "google-analytics", false},
		{"malformed cookie", "garbage", false, "google-analytics", false},
		{"unknown tool", accepted, false, "no-such-tool", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/event", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: consent.CookieName, Value: tt.cookie})
			}
			if tt.gpc {
				r.Header.Set("Sec-GPC", "1")
			}
			if got := consent.AllowedFor(m, r, tt.tool, clock); got != tt.want {
				t.Errorf("AllowedFor(%s) = %v, want %v", tt.tool, got, tt.want)
			}
		})
	}
	if consent.Gated(m, "noren") || !consent.Gated(m, "google-analytics") || consent.Gated(m, "no-such-tool") {
		t.Error("Gated: want only google-analytics gated")
	}
}
