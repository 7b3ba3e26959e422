package report

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// Fixed moments, so that the golden files do not change from run to run.
var (
	started = time.Date(2026, 12, 7, 12, 30, 0, 0, time.UTC)
	seen    = started.Add(5 * time.Second)
)

// sampleReport is a scan of a made-up site that holds every kind of
// finding, both severities, every state with one of them not reached,
// a choice made with the banner, cut evidence, and observations of every
// kind.
func sampleReport() *verdict.Report {
	const site = "https://www.example.jp"
	pages := []string{site + "/", site + "/about/", site + "/news/?page=2", site + "/contact/", site + "/shop/", site + "/blog/", site + "/faq/"}
	ga := &cookiedb.Entry{ID: "256c1d0f", Platform: "Google Analytics", Category: "Analytics", Name: "_ga", Domain: "(Analytics)",
		Description: "ID used to identify users", Retention: "2 years", Controller: "Google", PrivacyURL: "https://business.safety.google/privacy/"}
	ads := &cookiedb.Entry{ID: "a1b2", Platform: "Example Ads", Category: "Marketing", Name: "ad_", Controller: "Example Ads Inc.", Wildcard: true}

	// The page-by-page observations behind the findings.
	sid := visit.Cookie{Name: "sid", Domain: "www.example.jp", Path: "/", Seen: seen, HTTPOnly: true, Secure: true, SameSite: "Lax",
		SetBy: site + "/", SetByKind: "response"}
	gaCookie := visit.Cookie{Name: "_ga", Domain: ".example.jp", Path: "/", Expires: seen.Add(2 * 365 * 24 * time.Hour), Seen: seen,
		SetBy: "https://tags.example.net/gtag.js", SetByKind: "script"}
	ad := visit.Cookie{Name: "ad_track", Domain: ".ads.example.com", Path: "/", Expires: seen.Add(90 * 24 * time.Hour), Seen: seen,
		Secure: true, SameSite: "None", ThirdParty: true}
	short := visit.Cookie{Name: "noren_consent", Domain: "www.example.jp", Path: "/", Expires: seen.Add(45 * time.Minute), Seen: seen, SameSite: "Strict"}
	hour := visit.Cookie{Name: "ab_test", Domain: "www.example.jp", Path: "/shop/", Expires: seen.Add(26 * time.Hour), Seen: seen}
	store := []visit.StorageKey{
		{Kind: visit.LocalStorage, Origin: site, Key: "widget_state", SetBy: site + "/js/widget.js"},
		{Kind: visit.SessionStorage, Origin: site, Key: "tab"},
		{Kind: visit.IndexedDB, Origin: "https://chat.example.org", Key: "chat-cache"},
	}
	gtag := visit.Request{URL: "https://tags.example.net/gtag.js?id=G-ABC", Host: "tags.example.net", Type: "Script", Initiator: site + "/", InitiatorKind: "parser"}
	var many []visit.Request
	for i := range 7 {
		many = append(many, visit.Request{URL: "https://cdn.example.org/x.js", Host: "cdn.example.org", Type: "Script",
			Initiator: site + "/js/loader" + string(rune('a'+i)) + ".js", InitiatorKind: "script"})
	}
	frame := visit.Frame{URL: "https://chat.example.org/embed?room=1", Host: "chat.example.org", Parent: site + "/contact/"}

	page := func(url string, cookies []visit.Cookie, reqs []visit.Request, frames []visit.Frame) visit.Page {
		return visit.Page{URL: url, Status: 200, Cookies: cookies, Storage: store[:1], Requests: reqs, Frames: frames}
	}
	noChoice := visit.StateResult{State: visit.NoChoice, Reached: true, Pages: []visit.Page{
		page(pages[0], []visit.Cookie{sid, gaCookie}, []visit.Request{gtag}, nil),
		page(pages[1], []visit.Cookie{sid, gaCookie, hour}, append([]visit.Request{gtag}, many...), nil),
		page(pages[2], []visit.Cookie{sid, gaCookie}, nil, nil),
		{URL: pages[3], Status: 0, Error: "net::ERR_CONNECTION_RESET", Cookies: []visit.Cookie{sid}},
		page(pages[4], []visit.Cookie{sid, gaCookie}, nil, nil),
		page(pages[5], []visit.Cookie{sid, gaCookie}, nil, nil),
		page(pages[6], []visit.Cookie{sid, gaCookie}, nil, nil),
	}}
	accept := visit.StateResult{State: visit.AcceptAll, Reached: true, Choice: visit.ChoiceBanner, Button: "すべて同意する", Pages: []visit.Page{
		{URL: pages[0], Status: 200, Cookies: []visit.Cookie{sid, gaCookie, ad, short}, Storage: store, Requests: []visit.Request{gtag,
			{URL: "https://ads.example.com/pixel", Host: "ads.example.com", Type: "Image", Initiator: "https://tags.example.net/gtag.js", InitiatorKind: "script", Failed: true}},
			Frames: []visit.Frame{frame}},
		{URL: pages[3], Status: 404, Cookies: []visit.Cookie{sid, gaCookie, ad, short}, Storage: store},
	}}
	reject := visit.StateResult{State: visit.RejectAll, Reached: false, Note: "no button of the banner reads \"Reject all\""}
	gpc := visit.StateResult{State: visit.GPC, Reached: true, Pages: []visit.Page{
		page(pages[0], []visit.Cookie{sid}, nil, nil),
	}}

	evidence := func(n int, e verdict.Evidence) []verdict.Evidence {
		out := make([]verdict.Evidence, n)
		for i := range out {
			out[i] = e
			out[i].Page = pages[i%len(pages)]
		}
		return out
	}
	return &verdict.Report{
		Schema:    verdict.Schema,
		Version:   "1.4.0",
		URL:       site + "/",
		Manifest:  "sha256:5f1c0a9e4b7d",
		CookieDB:  "open-cookie-database.csv",
		Started:   started,
		Finished:  started.Add(42*time.Second + 400*time.Millisecond),
		Pages:     pages,
		Truncated: true,
		States: []verdict.StateSummary{
			{State: visit.NoChoice, Reached: true, Pages: 7, Errors: 1, Cookies: 3, Storage: 1, Recipients: 2},
			{State: visit.AcceptAll, Reached: true, Choice: visit.ChoiceBanner, Button: "すべて同意する", Pages: 2, Errors: 1, Cookies: 4, Storage: 3, Recipients: 2},
			{State: visit.RejectAll, Reached: false, Note: reject.Note},
			{State: visit.GPC, Reached: true, Pages: 1, Cookies: 1, Storage: 1},
		},
		Findings: []verdict.Finding{
			{Kind: verdict.UndeclaredCookie, Severity: verdict.Violation, Subject: "sid", SubjectKind: verdict.SubjectCookie, Domain: "www.example.jp",
				States:   []visit.State{visit.NoChoice, visit.AcceptAll, visit.GPC},
				Evidence: evidence(verdict.MaxEvidence, verdict.Evidence{State: visit.NoChoice, Initiator: site + "/"}), EvidenceTotal: 31},
			{Kind: verdict.UndeclaredStorage, Severity: verdict.Violation, Subject: "chat-cache", SubjectKind: verdict.SubjectIndexedDB, Domain: "https://chat.example.org",
				States: []visit.State{visit.AcceptAll}, Evidence: []verdict.Evidence{{Page: pages[0], State: visit.AcceptAll}}, EvidenceTotal: 1},
			{Kind: verdict.UndeclaredStorage, Severity: verdict.Violation, Subject: "tab", SubjectKind: verdict.SubjectSessionStorage, Domain: site,
				States: []visit.State{visit.AcceptAll}, Evidence: []verdict.Evidence{{Page: pages[0], State: visit.AcceptAll}}, EvidenceTotal: 1},
			{Kind: verdict.UndeclaredRecipient, Severity: verdict.Violation, Subject: "cdn.example.org", SubjectKind: verdict.SubjectRecipient,
				States: []visit.State{visit.NoChoice}, Evidence: []verdict.Evidence{{Page: pages[1], State: visit.NoChoice,
					Request: "https://cdn.example.org/x.js", Initiator: site + "/js/loadera.js"}}, EvidenceTotal: 7},
			{Kind: verdict.Unconsented, Severity: verdict.Violation, Subject: "_ga", SubjectKind: verdict.SubjectCookie, Domain: ".example.jp",
				Tool: "google-analytics", Category: "analytics", Database: ga, States: []visit.State{visit.NoChoice},
				Evidence: []verdict.Evidence{{Page: pages[0], State: visit.NoChoice, Initiator: "https://tags.example.net/gtag.js", Expires: gaCookie.Expires}}, EvidenceTotal: 6},
			{Kind: verdict.Unconsented, Severity: verdict.Violation, Subject: "tags.example.net", SubjectKind: verdict.SubjectRecipient,
				Tool: "google-analytics", Category: "analytics", States: []visit.State{visit.NoChoice},
				Evidence: []verdict.Evidence{{Page: pages[0], State: visit.NoChoice, Request: gtag.URL, Initiator: site + "/"}}, EvidenceTotal: 2},
			{Kind: verdict.Unconsented, Severity: verdict.Violation, Subject: "widget_state", SubjectKind: verdict.SubjectLocalStorage, Domain: site,
				Tool: "chat-widget", Category: "functional", States: []visit.State{visit.NoChoice, visit.GPC},
				Evidence: []verdict.Evidence{{Page: pages[0], State: visit.NoChoice, Initiator: site + "/js/widget.js"}, {Page: pages[0], State: visit.GPC}}, EvidenceTotal: 2},
			{Kind: verdict.LongerThanDeclared, Severity: verdict.Violation, Subject: "ad_track", SubjectKind: verdict.SubjectCookie, Domain: ".ads.example.com",
				Tool: "example-ads", Category: "advertising", Database: ads, Declared: "30 days", Seen: "3 months", States: []visit.State{visit.AcceptAll},
				Evidence: []verdict.Evidence{{Page: pages[0], State: visit.AcceptAll, Expires: ad.Expires}}, EvidenceTotal: 1},
			{Kind: verdict.NeverSeen, Severity: verdict.Warning, Subject: "video-embed", SubjectKind: verdict.SubjectTool, Tool: "video-embed", Category: "external-media",
				Evidence: []verdict.Evidence{}, EvidenceTotal: 0},
			{Kind: verdict.CategoryConflict, Severity: verdict.Warning, Subject: "ab_test", SubjectKind: verdict.SubjectCookie, Domain: "www.example.jp",
				Tool: "site", Category: "necessary", Database: &cookiedb.Entry{ID: "c3", Platform: "Optimizely", Category: "Analytics", Name: "ab_test"},
				Declared: "necessary", Seen: "Analytics", States: []visit.State{visit.NoChoice},
				Evidence: []verdict.Evidence{{Page: pages[1], State: visit.NoChoice, Expires: hour.Expires}}, EvidenceTotal: 1},
		},
		Violations: 8,
		Warnings:   2,
		Observations: &visit.Result{
			Start:    site + "/",
			Browser:  "Chromium/131.0.6778.85",
			Started:  started,
			Finished: started.Add(42 * time.Second),
			States:   []visit.StateResult{noChoice, accept, reject, gpc},
		},
	}
}

// hostileReport is a report whose every text came from a hostile site:
// markup, quotes, and values far longer than any column.
func hostileReport() *verdict.Report {
	r := sampleReport()
	const evil = `"><script>alert('x')</script><img src=x onerror=alert(1)>`
	long := strings.Repeat("A", 600)
	r.URL = "https://evil.example/?q=" + evil
	r.Version = evil
	r.CookieDB = "</style><script>alert(2)</script>"
	r.States[1].Button = evil
	r.States[2].Note = evil
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Subject = evil + long
		f.Domain = evil
		f.Tool = evil
		for j := range f.Evidence {
			f.Evidence[j].Page = "javascript:alert(3)//" + evil
			f.Evidence[j].Initiator = evil
			f.Evidence[j].Request = "https://evil.example/" + long
		}
		if f.Database != nil {
			e := *f.Database
			e.Platform, e.Controller = evil, evil
			f.Database = &e
		}
	}
	obs := r.Observations
	obs.Browser = evil
	for i := range obs.States {
		for j := range obs.States[i].Pages {
			p := &obs.States[i].Pages[j]
			p.Error = evil
			for k := range p.Cookies {
				p.Cookies[k].Name = evil + long
				p.Cookies[k].SetBy = "javascript:" + evil
			}
			for k := range p.Requests {
				p.Requests[k].Host = evil
				p.Requests[k].Initiator = evil
			}
			for k := range p.Frames {
				p.Frames[k].URL = evil
			}
		}
	}
	return r
}
