package main

import (
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/web"
)

// TestScanFindings scans a site that is not Noren's, whose manifest leaves
// out a cookie it sets, declares a widget and a storage key that need
// consent but come before any choice, and declares a video service the
// pages never use: the scan reports exactly those four findings with
// their evidence, writes both reports and exits 1. Then the entries
// --suggest prints, added to the manifest as an operator would, leave no
// finding of something undeclared.
func TestScanFindings(t *testing.T) {
	browser := browsertest.Path(t)
	site := newScanTestSite(t, nil)
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "scan.json"), filepath.Join(dir, "scan.html")

	res := runScanCommand(t, browser, site.url, "--manifest", scanManifest, "--json", jsonPath, "--html", htmlPath)
	if res.code != 1 {
		t.Fatalf("exit status %d, want 1 (violations)", res.code)
	}
	r := readScanJSON(t, jsonPath)
	checkStatesReached(t, r, visit.ChoiceBanner)
	if len(r.Pages) != 3 || r.Pages[0] != site.url {
		t.Errorf("pages %v, want the 3 pages of the site, %s first", r.Pages, site.url)
	}

	notConsented := []visit.State{visit.NoChoice, visit.RejectAll, visit.GPC}
	want := []struct {
		kind        verdict.Kind
		subjectKind string
		subject     string
		severity    verdict.Severity
		states      []visit.State // nil: not checked
		// evidence is what one piece of the evidence must hold: the
		// request and the initiator, "" for none.
		request, initiator string
	}{
		{verdict.UndeclaredCookie, verdict.SubjectCookie, "tracker", verdict.Violation, visit.States(), "", site.url},
		{verdict.Unconsented, verdict.SubjectRecipient, "127.0.0.2", verdict.Violation, notConsented, site.widget, site.url},
		{verdict.Unconsented, verdict.SubjectLocalStorage, "ab_variant", verdict.Violation, notConsented, "", site.url + "app.js"},
		{verdict.NeverSeen, verdict.SubjectTool, "video", verdict.Warning, nil, "", ""},
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, findingKey(f))
	}
	var wantKeys []string
	for _, w := range want {
		wantKeys = append(wantKeys, findingKey(verdict.Finding{Kind: w.kind, SubjectKind: w.subjectKind, Subject: w.subject}))
	}
	slices.Sort(got)
	slices.Sort(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Fatalf("findings:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), strings.Join(wantKeys, "\n"))
	}
	for _, w := range want {
		i := slices.IndexFunc(r.Findings, func(f verdict.Finding) bool { return f.Kind == w.kind && f.Subject == w.subject })
		f := r.Findings[i]
		if f.Severity != w.severity {
			t.Errorf("%s: severity %s, want %s", findingKey(f), f.Severity, w.severity)
		}
		if w.states != nil && !slices.Equal(f.States, w.states) {
			t.Errorf("%s: states %v, want %v", findingKey(f), f.States, w.states)
		}
		if w.kind == verdict.NeverSeen {
			continue
		}
		if !slices.ContainsFunc(f.Evidence, func(e verdict.Evidence) bool {
			return strings.HasPrefix(e.Page, site.url) && slices.Contains(w.states, e.State) &&
				e.Request == w.request && e.Initiator == w.initiator
		}) {
			t.Errorf("%s: no evidence on a page of the site with request %q and initiator %q: %+v", findingKey(f), w.request, w.initiator, f.Evidence)
		}
	}
	if r.Violations != 3 || r.Warnings != 1 {
		t.Errorf("%d violations and %d warnings, want 3 and 1", r.Violations, r.Warnings)
	}
	for _, line := range []string{"undeclared-cookie  cookie tracker", "unconsented  recipient 127.0.0.2", "never-seen  tool video", "3 violation(s), 1 warning(s)"} {
		if !strings.Contains(res.stdout, line) {
			t.Errorf("the summary lacks %q", line)
		}
	}
	html, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<html") || !strings.Contains(string(html), "ab_variant") {
		t.Errorf("the HTML report does not look like the report of this scan:\n%.300s", html)
	}

	t.Run("suggest", func(t *testing.T) {
		res := runScanCommand(t, browser, site.url, "--manifest", scanManifest, "--suggest", "--states", "no-choice")
		if res.code != 1 {
			t.Fatalf("exit status %d, want 1", res.code)
		}
		if !strings.Contains(res.stdout, "tracker") || strings.Contains(res.stdout, "scanned ") {
			t.Fatalf("standard output should hold the suggested entries alone, for tracker:\n%s", res.stdout)
		}
		if !strings.Contains(res.stderr, "scanned ") {
			t.Errorf("the summary should go to standard error with --suggest")
		}
		// The operator writes the texts the placeholders ask for; here,
		// the placeholders' own words.
		filled := strings.ReplaceAll(res.stdout, manifest.PlaceholderPrefix, "")
		path := copyManifest(t, filled)
		if _, err := manifest.Load(path); err != nil {
			t.Fatalf("the manifest with the suggested entries does not load: %v\n%s", err, filled)
		}
		jsonPath := filepath.Join(t.TempDir(), "scan.json")
		res = runScanCommand(t, browser, site.url, "--manifest", path, "--json", jsonPath)
		if res.code > 1 {
			t.Fatalf("exit status %d", res.code)
		}
		for _, f := range readScanJSON(t, jsonPath).Findings {
			if strings.HasPrefix(string(f.Kind), "undeclared-") {
				t.Errorf("still undeclared after the suggested entries were added: %s", findingKey(f))
			}
		}
	})
}

// checkStatesReached checks that every state was visited, the choices made
// as choice says.
func checkStatesReached(t *testing.T, r *verdict.Report, choice string) {
	t.Helper()
	var states []visit.State
	for _, s := range r.States {
		states = append(states, s.State)
		if !s.Reached || s.Errors > 0 {
			t.Errorf("state %s: reached %v (%s), %d pages failed", s.State, s.Reached, s.Note, s.Errors)
		}
		if (s.State == visit.AcceptAll || s.State == visit.RejectAll) && s.Choice != choice {
			t.Errorf("state %s: choice made by %q (button %q), want %q", s.State, s.Choice, s.Button, choice)
		}
	}
	if !slices.Equal(states, visit.States()) {
		t.Errorf("states %v, want %v", states, visit.States())
	}
}

// TestScanCookieDatabase checks end to end that a cookie a page's script
// sets is classified from the Open Cookie Database by its wildcard entry:
// _ga_ABC123 is Google Analytics.
func TestScanCookieDatabase(t *testing.T) {
	browser := browsertest.Path(t)
	if _, err := os.Stat(cookieDBPath); err != nil {
		t.Skipf("no Open Cookie Database at %s: %v", cookieDBPath, err)
	}
	site := newScanTestSite(t, map[string]string{
		"/ga/": `<script>document.cookie = '_ga_ABC123=GS1.1.1700000000.1.0.1700000000.0.0.0; path=/; max-age=63072000';</script>`,
	})
	jsonPath := filepath.Join(t.TempDir(), "scan.json")
	res := runScanCommand(t, browser, site.url+"ga/", "--pages", "1", "--states", "no-choice",
		"--manifest", scanManifest, "--cookie-db", cookieDBPath, "--json", jsonPath)
	if res.code != 1 {
		t.Fatalf("exit status %d, want 1", res.code)
	}
	r := readScanJSON(t, jsonPath)
	if r.CookieDB == "" {
		t.Error("the report does not name the cookie database")
	}
	i := slices.IndexFunc(r.Findings, func(f verdict.Finding) bool { return f.Subject == "_ga_ABC123" })
	if i < 0 {
		t.Fatalf("no finding for _ga_ABC123: %+v", r.Findings)
	}
	f := r.Findings[i]
	if f.Kind != verdict.UndeclaredCookie || f.Database == nil || f.Database.Platform != "Google Analytics" || f.Database.Category != "Analytics" {
		t.Errorf("_ga_ABC123: %s with database entry %+v, want undeclared-cookie classified as Google Analytics (Analytics)", f.Kind, f.Database)
	}
	if len(f.Evidence) == 0 || f.Evidence[0].Initiator == "" {
		t.Errorf("_ga_ABC123: evidence %+v, want the script that set it", f.Evidence)
	}
	if !strings.Contains(res.stdout, "database: Google Analytics (Analytics)") {
		t.Errorf("the summary does not classify _ga_ABC123")
	}
}

// TestScanDemo scans the bundled demo, every page in four states, with the
// cookie database when present: Noren's own banner is pressed, and the
// demo keeps every promise its manifest makes (exit 0).
func TestScanDemo(t *testing.T) {
	browser := browsertest.Path(t)
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	dir := t.TempDir()
	manifestPath := filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(manifestPath, web.DemoManifest, 0o644); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(dir, "scan.json")
	args := []string{p.url + "/", "--pages", "200", "--depth", "0", "--manifest", manifestPath, "--json", jsonPath, "--html", filepath.Join(dir, "scan.html")}
	if _, err := os.Stat(cookieDBPath); err == nil {
		args = append(args, "--cookie-db", cookieDBPath)
	} else {
		t.Logf("no Open Cookie Database at %s: scanning without it", cookieDBPath)
	}
	res := runScanCommand(t, browser, args...)
	r := readScanJSON(t, jsonPath)
	checkStatesReached(t, r, visit.ChoiceBanner)
	if res.code != 0 {
		t.Errorf("exit status %d, want 0: the demo should scan clean", res.code)
	}
	for _, f := range r.Findings {
		t.Logf("finding: %s %s %v %+v", f.Severity, findingKey(f), f.States, f.Evidence[:min(1, len(f.Evidence))])
	}
	if len(r.Pages) < 10 {
		t.Errorf("only %d pages scanned: %v", len(r.Pages), r.Pages)
	}
}

// TestScanSites scans the corpus of ordinary sites (testdata/sites)
// served by Noren, as a static folder and as a proxied upstream. Noren
// holds every third party back until consent, so no state but "Accept
// all" reaches one, and there the pages reach exactly the hosts the
// corpus's markup names, each declared: the scan is clean.
func TestScanSites(t *testing.T) {
	browser := browsertest.Path(t)
	upstream := httptest.NewServer(corpusUpstream(sitesRoot))
	t.Cleanup(upstream.Close)
	// The hosts the corpus's pages name (testdata/sites/README.md).
	wantAccepted := []string{"www.google.com", "www.googletagmanager.com", "www.youtube-nocookie.com", "www.youtube.com", "youtube.com"}
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"static", []string{"--site-root", sitesRoot}},
		{"proxy", []string{"--upstream", upstream.URL}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			p := start(t, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", sitesManifest}, mode.args...)...)
			jsonPath := filepath.Join(t.TempDir(), "scan.json")
			res := runScanCommand(t, browser, p.url+"/", "--depth", "0", "--manifest", sitesManifest, "--json", jsonPath)
			r := readScanJSON(t, jsonPath)
			checkStatesReached(t, r, visit.ChoiceBanner)
			if res.code != 0 || len(r.Findings) > 0 {
				for _, f := range r.Findings {
					t.Errorf("finding: %s %s in %v, first evidence %+v", f.Severity, findingKey(f), f.States, f.Evidence[:min(1, len(f.Evidence))])
				}
				t.Errorf("exit status %d, want 0", res.code)
			}
			for _, want := range []string{"/", "/news/2026-04-open-day/", "/access/", "/archive/2009/sjis.html"} {
				if !slices.Contains(r.Pages, p.url+want) {
					t.Errorf("the scan did not visit %s: %v", want, r.Pages)
				}
			}
			for _, st := range r.Observations.States {
				hosts := map[string]bool{}
				for _, pg := range st.Pages {
					for _, q := range pg.Requests {
						hosts[q.Host] = true
					}
				}
				got := slices.Sorted(maps.Keys(hosts))
				want := []string{}
				if st.State == visit.AcceptAll {
					want = wantAccepted
				}
				if !slices.Equal(got, want) {
					t.Errorf("state %s: the pages reached %v, want %v", st.State, got, want)
				}
			}
		})
	}
}
