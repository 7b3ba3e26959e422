package verdict

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/web"
)

// brief sums a finding up as "severity kind subject [states]".
func brief(f Finding) string {
	var states []string
	for _, s := range f.States {
		states = append(states, string(s))
	}
	return fmt.Sprintf("%s %s %s [%s]", f.Severity, f.Kind, f.Subject, strings.Join(states, " "))
}

func briefs(r *Report) []string {
	out := []string{}
	for _, f := range r.Findings {
		out = append(out, brief(f))
	}
	return out
}

func TestJudgeWithManifest(t *testing.T) {
	m := testManifest(t, "")
	isRequest := func(host string) func(any) bool {
		return func(it any) bool { r, ok := it.(visit.Request); return ok && r.Host == host }
	}
	isCookie := func(name string) func(any) bool {
		return func(it any) bool { c, ok := it.(visit.Cookie); return ok && c.Name == name }
	}
	tests := []struct {
		name string
		scan scan
		db   bool
		want []string
	}{
		{"clean", cleanScan(), false, nil},
		{"undeclared cookie", cleanScan().
			with(visit.NoChoice, cookie("tracker_id", 24*time.Hour)).
			with(visit.AcceptAll, cookie("tracker_id", 24*time.Hour)),
			false, []string{"violation undeclared-cookie tracker_id [no-choice accept-all]"}},
		{"undeclared recipient", cleanScan().with(visit.GPC, request("https://cdn.evil.test/x.js")),
			false, []string{"violation undeclared-recipient cdn.evil.test [gpc]"}},
		{"undeclared storage", cleanScan().with(visit.NoChoice, local("seen_banner")),
			false, []string{"violation undeclared-storage seen_banner [no-choice]"}},
		{"own host is no recipient", cleanScan().with(visit.NoChoice, request(siteURL+"/app.js")), false, nil},
		{"before consent", cleanScan().
			with(visit.NoChoice, request("https://www.googletagmanager.com/gtag/js?id=G-1")).
			with(visit.GPC, request("https://www.googletagmanager.com/gtag/js?id=G-1")),
			false, []string{"violation unconsented www.googletagmanager.com [no-choice gpc]"}},
		{"after reject all", cleanScan().with(visit.RejectAll, cookie("_ga_XYZ", 400*24*time.Hour), local("chat_state")),
			false, []string{"violation unconsented _ga_XYZ [reject-all]", "violation unconsented chat_state [reject-all]"}},
		{"required cookie of a gated tool", cleanScan().with(visit.GPC, thirdCookie("chat_lb", ".chat.example.com", time.Hour)), false, nil},
		{"cookie category gated under a required tool", cleanScan().with(visit.NoChoice, cookie("prefs", time.Hour)),
			false, []string{"violation unconsented prefs [no-choice]"}},
		{"never seen", cleanScan().without(visit.AcceptAll, isRequest("ads.example.net")),
			false, []string{"warning never-seen widget []"}},
		{"seen by any subject", cleanScan().
			without(visit.AcceptAll, isRequest("www.googletagmanager.com")).
			without(visit.AcceptAll, isRequest("region1.google-analytics.com")).
			without(visit.AcceptAll, isCookie("_ga")), false, nil},
		{"longer than declared", cleanScan().
			without(visit.AcceptAll, isCookie("prefs")).
			with(visit.AcceptAll, cookie("prefs", 400*24*time.Hour), cookie("__Host-noren_session", time.Hour)),
			false, []string{"violation longer-than-declared __Host-noren_session [accept-all]", "violation longer-than-declared prefs [accept-all]"}},
		{"within the slack", cleanScan().
			without(visit.AcceptAll, isCookie("prefs")).
			with(visit.AcceptAll, cookie("prefs", 30*24*time.Hour+50*time.Minute)), false, nil},
		{"category conflict", cleanScan(), true, []string{"warning category-conflict _gid [no-choice]"}},
		{"everything", cleanScan().
			with(visit.NoChoice, cookie("tracker_id", 0), request("https://ads.example.net/ad.js"), local("k")).
			without(visit.NoChoice, isCookie("chat_lb")).
			without(visit.AcceptAll, isCookie("prefs")).
			without(visit.AcceptAll, isRequest("chat.example.com")).
			without(visit.AcceptAll, func(it any) bool { _, ok := it.(visit.StorageKey); return ok }),
			false, []string{
				"violation undeclared-cookie tracker_id [no-choice]",
				"violation undeclared-storage k [no-choice]",
				"violation unconsented ads.example.net [no-choice]",
				"warning never-seen chat []",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Manifest: m, Result: tt.scan.result(), Version: "test"}
			if tt.db {
				in.DB = testDB(t)
			}
			r := Judge(in)
			if got := briefs(r); !slices.Equal(got, append([]string{}, tt.want...)) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			wantExit := 0
			if slices.ContainsFunc(tt.want, func(s string) bool { return strings.HasPrefix(s, "violation") }) {
				wantExit = 1
			}
			if r.ExitCode() != wantExit {
				t.Errorf("ExitCode() = %d, want %d", r.ExitCode(), wantExit)
			}
		})
	}
}

func TestJudgeWithoutManifest(t *testing.T) {
	tests := []struct {
		name string
		scan scan
		want []string
	}{
		{"consented analytics", scan{visit.AcceptAll: {cookie("_ga", 400*24*time.Hour), request("https://www.google-analytics.com/g/collect")}}, nil},
		{"analytics before consent", scan{
			visit.NoChoice:  {cookie("_ga", 400*24*time.Hour), cookie("_ga_ABC123", time.Hour)},
			visit.AcceptAll: {cookie("_ga", 400*24*time.Hour)},
			visit.GPC:       {cookie("_ga", 400*24*time.Hour)},
		}, []string{"violation unconsented _ga [no-choice gpc]", "violation unconsented _ga_ABC123 [no-choice]"}},
		{"marketing storage", scan{visit.RejectAll: {local("ad_state")}}, []string{"violation unconsented ad_state [reject-all]"}},
		{"unknown and recipients", scan{visit.NoChoice: {cookie("tracker_id", time.Hour), request("https://cdn.evil.test/x.js")}}, nil},
		{"recipient of a known cookie", scan{visit.GPC: {hotjarCookie(), request("https://static.hotjar.com/c/hotjar-1.js")}},
			[]string{"violation unconsented _hjSessionUser_123 [gpc]", "violation unconsented static.hotjar.com [gpc]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Judge(Input{DB: testDB(t), Result: tt.scan.result()})
			if got := briefs(r); !slices.Equal(got, append([]string{}, tt.want...)) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, f := range r.Findings {
				if f.Database == nil || f.Database.Platform == "" {
					t.Errorf("%s: no database entry", brief(f))
				}
			}
		})
	}
	if r := Judge(Input{Result: scan{visit.NoChoice: {cookie("_ga", time.Hour)}}.result()}); len(r.Findings) != 0 {
		t.Errorf("without a manifest or database: %v", briefs(r))
	}
}

func TestJudgeUnreachedState(t *testing.T) {
	m := testManifest(t, "")
	res := cleanScan().with(visit.RejectAll, cookie("tracker_id", time.Hour), request("https://www.googletagmanager.com/gtag/js")).result()
	res.States[2].Reached = false
	r := Judge(Input{Manifest: m, Result: res})
	if len(r.Findings) != 0 {
		t.Errorf("findings from an unreached state: %v", briefs(r))
	}
	if r.Clean() {
		t.Error("Clean() with a state unreached")
	}
	// Tools that may run only after "Accept all" cannot be missed when it
	// was not reached.
	res = cleanScan().result()
	res.States[1] = visit.StateResult{State: visit.AcceptAll, Note: "no button"}
	r = Judge(Input{Manifest: m, Result: res})
	if got := briefs(r); len(got) != 0 {
		t.Errorf("findings without accept-all: %v", got)
	}
}

func TestJudgeReport(t *testing.T) {
	m := testManifest(t, "")
	s := cleanScan()
	var pages []visit.Page
	for i := range 30 {
		pages = append(pages, pageOf(fmt.Sprintf("/p%d", i), cookie("tracker_id", time.Hour), request("https://cdn.evil.test/x.js")))
	}
	res := s.result()
	res.States[0].Pages = append(res.States[0].Pages, pages...)
	res.States[0].Pages[1].Error = "timeout"
	tracker := res.States[0].Pages[2].Cookies[0]
	tracker.SetBy, tracker.SetByKind = "https://cdn.evil.test/x.js", "script"
	res.States[0].Pages[2].Cookies[0] = tracker

	r := Judge(Input{Manifest: m, DB: testDB(t), Result: res, Version: "1.2.3", Truncated: true})
	if r.Schema != Schema || r.Version != "1.2.3" || r.URL != siteURL+"/" || r.Manifest != m.Hash() || r.CookieDB != "test.csv" ||
		!r.Truncated || !r.Started.Equal(t0) || r.Observations != res {
		t.Errorf("header = %+v", r)
	}
	if len(r.Pages) != 31 || r.Pages[0] != siteURL+"/" {
		t.Errorf("Pages = %d, first %q", len(r.Pages), r.Pages[0])
	}
	want := []StateSummary{
		{State: visit.NoChoice, Reached: true, Pages: 31, Errors: 1, Cookies: 3, Recipients: 1},
		{State: visit.AcceptAll, Reached: true, Pages: 1, Cookies: 4, Storage: 1, Recipients: 4},
		{State: visit.RejectAll, Reached: true, Pages: 1, Cookies: 1},
		{State: visit.GPC, Reached: true, Pages: 1},
	}
	if !reflect.DeepEqual(r.States, want) {
		t.Errorf("States = %+v\nwant %+v", r.States, want)
	}
	if r.Violations != 2 || r.Warnings != 1 || r.Findings[1].Kind != UndeclaredRecipient || r.Findings[2].Severity != Warning {
		t.Fatalf("findings: %v", briefs(r))
	}
	f := r.Findings[0]
	if f.Kind != UndeclaredCookie || f.EvidenceTotal != 30 || len(f.Evidence) != MaxEvidence || f.Domain != "www.example.org" {
		t.Errorf("tracker_id: total %d, evidence %d, domain %q", f.EvidenceTotal, len(f.Evidence), f.Domain)
	}
	if e := f.Evidence[1]; e.Page != siteURL+"/p1" || e.State != visit.NoChoice || e.Initiator != "https://cdn.evil.test/x.js" || !e.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("evidence = %+v", e)
	}
	if e := r.Findings[1].Evidence[0]; e.Request != "https://cdn.evil.test/x.js" || e.Initiator != siteURL+"/" || e.Page != siteURL+"/p0" {
		t.Errorf("recipient evidence = %+v", e)
	}
	if c := r.Findings[2]; c.Kind != CategoryConflict || c.Declared != "necessary" || c.Seen != "Analytics" || c.Tool != "noren" || c.Database.Platform != "Google Analytics" {
		t.Errorf("conflict = %+v", c)
	}

	// The same input gives the same report.
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(Judge(Input{Manifest: m, DB: testDB(t), Result: res, Version: "1.2.3", Truncated: true}))
	if string(a) != string(b) {
		t.Error("two judgements of one input differ")
	}
}

func TestJudgeLifetimeTexts(t *testing.T) {
	m := testManifest(t, "")
	r := Judge(Input{Manifest: m, Result: cleanScan().with(visit.AcceptAll,
		cookie("_ga_LONG", 800*24*time.Hour), cookie("__Host-noren_session", 90*time.Minute)).result()})
	got := map[string][2]string{}
	for _, f := range r.Findings {
		got[f.Subject] = [2]string{f.Declared, f.Seen}
	}
	want := map[string][2]string{"_ga_LONG": {"2 years", "800 days"}, "__Host-noren_session": {"session", "2 hours"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lifetimes = %v, want %v", got, want)
	}
}

func TestJudgeRealDatabase(t *testing.T) {
	db := realDB(t)
	r := Judge(Input{DB: db, Result: scan{visit.NoChoice: {cookie("_ga", time.Hour), cookie("_ga_ABC123", time.Hour)}}.result()})
	if len(r.Findings) != 2 {
		t.Fatalf("findings: %v", briefs(r))
	}
	for _, f := range r.Findings {
		if f.Kind != Unconsented || f.Database == nil || f.Database.Platform != "Google Analytics" || f.Database.Category != "Analytics" {
			t.Errorf("%s: database %+v", brief(f), f.Database)
		}
	}
}

// TestJudgeDemo judges what the demo's pages do, as its banner leaves
// them, against the demo's manifest: no violation.
func TestJudgeDemo(t *testing.T) {
	m, err := manifest.Parse("manifest.yaml", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	consentCookie := cookie("noren_consent", 0)
	consentCookie.Expires = t0.AddDate(0, 6, 0)
	r := Judge(Input{Manifest: m, Result: scan{
		visit.AcceptAll: {consentCookie, request("https://www.googletagmanager.com/gtag/js?id=G-DEMO"), request("https://www.youtube-nocookie.com/embed/x")},
		visit.RejectAll: {consentCookie},
	}.result()})
	if len(r.Findings) != 0 {
		t.Errorf("findings: %v", briefs(r))
	}
}
