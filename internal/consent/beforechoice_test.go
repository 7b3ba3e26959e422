package consent_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store/storetest"
)

// statisticsTools are first-party tools of the statistics category, for
// manifests that add them.
const statisticsTools = `tools:
  - id: counter
    name: {ja: アクセス集計, en: Visit counter}
    kind: analytics
    party: first
    category: statistics
    information_sent: {ja: 閲覧したページのアドレス, en: the address of the page viewed}
    purpose: {ja: 利用状況を集計するため, en: to count how the site is used}
  - id: heatmap
    name: {ja: クリック集計, en: Click counter}
    kind: other
    party: first
    category: statistics
    information_sent: {ja: クリックした位置, en: where a page was clicked}
    purpose: {ja: ページの使われ方を知るため, en: to learn how pages are used}
`

// statisticsManifest is the site manifest with two first-party tools in
// the statistics category, which runs before a choice when beforeChoice
// is set.
func statisticsManifest(t testing.TB, beforeChoice bool) *manifest.Manifest {
	t.Helper()
	src := edit(t, siteYAML(t), "tools:\n", statisticsTools)
	if beforeChoice {
		src = edit(t, src, "cookie_categories:\n", "cookie_categories:\n  - id: statistics\n    before_choice: true\n")
	}
	return parseManifest(t, "statistics", src)
}

// refuseStatistics is every category and tool of statisticsManifest
// decided, statistics refused, the rest accepted.
func refuseStatistics() (cats, tools map[string]bool) {
	return map[string]bool{"preferences": true, "statistics": false, "analytics": true, "advertising": true, "embeds": true},
		map[string]bool{"counter": false, "heatmap": false, "display-settings": true, "google-analytics": true, "youtube": true, "ad-network": true}
}

func TestAllowedBeforeChoice(t *testing.T) {
	m := statisticsManifest(t, true)
	optIn := statisticsManifest(t, false)
	cats, tools := refuseStatistics()
	refused := cookieFor(m, clock, cats, tools)
	accepted := cookieFor(m, clock, map[string]bool{"statistics": true}, map[string]bool{"counter": true, "heatmap": false})
	// A choice made before the statistics tools came: it names neither
	// the category nor its tools.
	older := cookieFor(m, clock, without(cats, "statistics"), without(without(tools, "counter"), "heatmap"))
	// A choice that refused the category, before heatmap came.
	categoryRefused := cookieFor(m, clock, cats, without(tools, "heatmap"))
	expired := cookieFor(m, clock.AddDate(-1, 0, 0), cats, tools)
	noGPCRefusal := parseManifest(t, "no GPC refusal", edit(t, edit(t, edit(t, siteYAML(t), "tools:\n", statisticsTools),
		"cookie_categories:\n", "cookie_categories:\n  - id: statistics\n    before_choice: true\n"), "consent:\n", "consent:\n  gpc_refuses: []\n"))

	tests := []struct {
		name   string
		m      *manifest.Manifest
		cookie string
		gpc    bool
		tool   string
		want   bool
	}{
		{"no choice", m, "", false, "counter", true},
		{"no choice, opt-in category", optIn, "", false, "counter", false},
		{"no choice, GPC", m, "", true, "counter", false},
		{"no choice, GPC that does not refuse statistics", noGPCRefusal, "", true, "counter", true},
		{"no choice, other gated tool", m, "", false, "google-analytics", false},
		{"refused", m, refused, false, "counter", false},
		{"accepted", m, accepted, false, "counter", true},
		{"accepted, tool refused by its own entry", m, accepted, false, "heatmap", false},
		{"accepted, then GPC", m, accepted, true, "counter", false},
		{"choice that does not name the category", m, older, false, "counter", true},
		{"choice that does not name the category, GPC", m, older, true, "counter", false},
		{"new tool of a refused category", m, categoryRefused, false, "heatmap", false},
		{"expired refusal", m, expired, false, "counter", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := consent.Evaluate(tt.m, tt.cookie, clock)
			if got := consent.Allowed(tt.m, st, tt.tool, tt.gpc); got != tt.want {
				t.Errorf("Allowed(%s) = %v, want %v", tt.tool, got, tt.want)
			}
			r := httptest.NewRequest(http.MethodPost, "/api/event", nil)
			if tt.cookie != "" {
				withCookie(r, tt.cookie)
			}
			if tt.gpc {
				gpcHeader(r)
			}
			if got := consent.AllowedFor(tt.m, r, tt.tool, clock); got != tt.want {
				t.Errorf("AllowedFor(%s) = %v, want %v", tt.tool, got, tt.want)
			}
		})
	}
}

// TestBeforeChoiceDecisions checks what each way of choosing records for
// a category that is on before a choice: kept by Save untouched and by a
// choice that leaves it out, switched off by Reject all and by GPC.
func TestBeforeChoiceDecisions(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t), statisticsManifest(t, true))
	api := func(body string) func() *http.Request { return func() *http.Request { return apiRequest(body) } }
	form := func(v url.Values) func() *http.Request {
		return func() *http.Request { return formRequest(hs.m, "en", v) }
	}
	on := map[string]bool{"counter": true, "heatmap": true}
	off := map[string]bool{"counter": false, "heatmap": false}
	tests := []struct {
		name  string
		req   func() *http.Request
		gpc   bool
		cat   bool
		tools map[string]bool
	}{
		{"banner, a choice that leaves statistics out", api(`{"method":"banner","categories":{"analytics":false}}`), false, true, on},
		{"banner, the same with GPC", api(`{"method":"banner","categories":{"analytics":false}}`), true, false, off},
		{"banner, accept all with GPC", api(`{"method":"banner","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`), true, false, off},
		{"banner, reject all", api(`{"method":"banner","categories":{"preferences":false,"statistics":false,"analytics":false,"advertising":false,"embeds":false}}`), false, false, off},
		{"choices page, save as shown", form(url.Values{"action": {"save"}, "category": {"statistics"}, "tool": {"counter", "heatmap"},
			"shown_category": {"statistics"}, "shown_tool": {"counter", "heatmap"}}), false, true, on},
		{"choices page, reject all", form(url.Values{"action": {"reject_all"}}), false, false, off},
		{"choices page, accept all with GPC", form(url.Values{"action": {"accept_all"}}), true, false, off},
		{"choices page, ticked one by one with GPC", form(url.Values{"action": {"save"}, "tool": {"counter"}}), true, true, map[string]bool{"counter": true, "heatmap": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			if tt.gpc {
				gpcHeader(r)
			}
			c := choiceOf(t, hs.do(t, r))
			got := map[string]bool{"counter": c.Tools["counter"], "heatmap": c.Tools["heatmap"]}
			if c.Categories["statistics"] != tt.cat || !maps.Equal(got, tt.tools) {
				t.Errorf("statistics %v, tools %v; want %v, %v", c.Categories["statistics"], got, tt.cat, tt.tools)
			}
			rec := mustGet(t, hs.recs, c.Receipt)
			if rec.Categories["statistics"] != tt.cat || rec.Tools["counter"] != tt.tools["counter"] {
				t.Errorf("record %v %v does not state the decision", rec.Categories, rec.Tools)
			}
		})
	}
}

// TestChoicesFormTools checks how the choices form, which works without
// JavaScript, reads the switches of a category and of its services
// against how the page showed them.
func TestChoicesFormTools(t *testing.T) {
	tests := []struct {
		name                string
		m                   *manifest.Manifest
		shownCats, shownTls []string
		cats, tools         []string
		want                map[string]bool
	}{
		{"category ticked: its services follow", siteManifest(t), nil, nil, []string{"embeds"}, nil,
			map[string]bool{"embeds": true, "youtube": true}},
		{"service ticked: its category is allowed", siteManifest(t), nil, nil, nil, []string{"youtube"},
			map[string]bool{"embeds": true, "youtube": true}},
		{"category unticked: its services follow", siteManifest(t), []string{"embeds"}, []string{"youtube"}, nil, []string{"youtube"},
			map[string]bool{"embeds": false, "youtube": false}},
		{"saved as shown", siteManifest(t), []string{"embeds"}, []string{"youtube"}, []string{"embeds"}, []string{"youtube"},
			map[string]bool{"embeds": true, "youtube": true}},
		{"service unticked, category kept", siteManifest(t), []string{"embeds"}, []string{"youtube"}, []string{"embeds"}, nil,
			map[string]bool{"embeds": true, "youtube": false}},
		{"nothing ticked", siteManifest(t), nil, nil, nil, nil,
			map[string]bool{"embeds": false, "youtube": false}},
		{"statistics switched off", statisticsManifest(t, true), []string{"statistics"}, []string{"counter", "heatmap"}, nil, []string{"counter", "heatmap"},
			map[string]bool{"statistics": false, "counter": false, "heatmap": false}},
		{"one statistics service of two", statisticsManifest(t, true), []string{"statistics"}, []string{"counter", "heatmap"}, []string{"statistics"}, []string{"heatmap"},
			map[string]bool{"statistics": true, "counter": false, "heatmap": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, storetest.SQLite(t), tt.m)
			form := url.Values{"action": {"save"}, "category": tt.cats, "tool": tt.tools, "shown_category": tt.shownCats, "shown_tool": tt.shownTls}
			c := choiceOf(t, hs.do(t, formRequest(hs.m, "en", form)))
			got := map[string]bool{}
			for id := range tt.want {
				if v, ok := c.Categories[id]; ok {
					got[id] = v
				} else {
					got[id] = c.Tools[id]
				}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("decisions %v, want %v", got, tt.want)
			}
		})
	}

	hs := newHarness(t, storetest.SQLite(t), statisticsManifest(t, true))
	res := hs.do(t, formRequest(hs.m, "en", url.Values{"action": {"save"}, "tool": {"counter", "no-such-tool"}}))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, `unknown tool &#34;no-such-tool&#34;`) {
		t.Errorf("unknown tool: status %d", res.StatusCode)
	}
}

// TestChoicesPageBeforeChoice checks that the page shows a category that
// runs before a choice switched on, with its services, and says why, or
// that GPC keeps it off.
func TestChoicesPageBeforeChoice(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t), statisticsManifest(t, true))
	cats, tools := refuseStatistics()
	tests := []struct {
		name     string
		lang     string
		gpc      bool
		cookie   string
		want     []string
		not      []string
		explains bool
	}{
		{
			name: "no choice", lang: "ja",
			want: []string{
				`name="category" value="statistics" checked aria-describedby="category-statistics-description category-statistics-note"`,
				`name="tool" value="counter" checked aria-describedby="tool-counter-about category-statistics-note"`,
				`name="tool" value="heatmap" checked`,
				`<input type="hidden" name="shown_category" value="statistics">`,
				`<input type="hidden" name="shown_tool" value="counter">`,
				`<p class="choices__note" id="category-statistics-note">この区分は、利用者が拒否するまで有効です。無効にするには、チェックを外して「選択を保存する」を押してください。</p>`,
				`<p>なお、「統計」の区分は、利用者が拒否するまで有効です。</p>`,
			},
			not: []string{`name="category" value="analytics" checked`, `name="tool" value="google-analytics" checked`},
		},
		{
			name: "GPC", lang: "en", gpc: true,
			want: []string{`<p class="choices__note" id="category-statistics-note">Your browser’s GPC signal refuses this category`},
			not:  []string{`value="statistics" checked`, `value="counter" checked`, `is on until you refuse it`, `name="shown_category" value="statistics"`},
		},
		{
			// A choice made before statistics and embedded content came:
			// only the latter stays off until allowed.
			name: "stale choice", lang: "en",
			cookie: cookieFor(hs.m, clock.Add(-time.Hour), without(without(cats, "statistics"), "embeds"),
				without(without(without(tools, "counter"), "heatmap"), "youtube")),
			want: []string{`Added since your last choice: Embedded content, Embedded YouTube videos. They stay off`,
				`name="category" value="statistics" checked`, `name="tool" value="counter" checked`},
			not: []string{`name="category" value="embeds" checked`},
		},
		{
			name: "refused", lang: "en", cookie: cookieFor(hs.m, clock.Add(-time.Hour), cats, tools),
			want: []string{`<li>Statistics: refused</li>`, `name="tool" value="google-analytics" checked`},
			not:  []string{`value="statistics" checked`, `value="counter" checked`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pageRequest(tt.lang, "")
			if tt.gpc {
				gpcHeader(r)
			}
			if tt.cookie != "" {
				withCookie(r, tt.cookie)
			}
			res := hs.do(t, r)
			checkAccessible(t, res.body)
			for _, s := range tt.want {
				if !strings.Contains(res.body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(res.body, s) {
					t.Errorf("page has %s", s)
				}
			}
		})
	}
}

func TestPageConfigBeforeChoice(t *testing.T) {
	for _, before := range []bool{false, true} {
		raw, err := consent.PageConfig(statisticsManifest(t, before), "en", false)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range decodeConfig(t, raw).Categories {
			if c.BeforeChoice != (before && c.ID == "statistics") {
				t.Errorf("before_choice %v: category %s has beforeChoice %v", before, c.ID, c.BeforeChoice)
			}
		}
	}
}
