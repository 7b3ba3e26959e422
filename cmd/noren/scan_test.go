package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// TestScanFailures checks that a scan that cannot be made exits 2, apart
// from a scan that found violations (1), with a message on standard error
// that says why. Where the failure comes before the browser would start,
// the test binary stands in for the browser, so that these checks need
// none.
func TestScanFailures(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// closed is an address nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	empty := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(empty.Close)
	dir := t.TempDir()
	badManifest := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badManifest, []byte("schema: 1\nlanguages: [ja]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badDB := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(badDB, []byte("not,the,header\n1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string // in standard error
	}{
		{"no browser", []string{closed, "--browser", filepath.Join(dir, "no-such-browser")}, "apt install chromium"},
		{"unreachable site", []string{closed, "--browser", self}, "no page"},
		{"no page found", []string{empty.URL, "--browser", self}, "no page"},
		{"not an http URL", []string{"ftp://example.org/", "--browser", self}, "http(s) URL"},
		{"manifest after the URL, invalid", []string{closed, "--browser", self, "--manifest", badManifest}, "manifest " + badManifest},
		{"missing manifest", []string{"--manifest", filepath.Join(dir, "none.yaml"), closed}, "none.yaml"},
		{"bad cookie database", []string{closed, "--browser", self, "--cookie-db", badDB}, "bad.csv"},
		{"no URL", []string{"--pages", "3"}, "Usage: noren scan"},
		{"two URLs", []string{closed, closed}, "Usage: noren scan"},
		{"unknown state", []string{closed, "--states", "no-choice,maybe"}, `unknown state "maybe"`},
		{"suggest and JSON on standard output", []string{closed, "--suggest", "--json", "-"}, "both write to standard output"},
		{"suggest without a manifest", []string{closed, "--suggest"}, "--suggest needs --manifest"},
		{"no pages", []string{closed, "--pages", "0"}, "Usage: noren scan"},
		{"no tabs", []string{closed, "--concurrency", "0"}, "Usage: noren scan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errOut bytes.Buffer
			code := run(ctx, &environment{stdout: &out, stderr: &errOut}, append([]string{"scan"}, tt.args...))
			if code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit status %d, standard error:\n%s\nwant status 2 and %q", code, errOut.String(), tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("a failed scan printed on standard output:\n%s", out.String())
			}
		})
	}
}

func TestParseStates(t *testing.T) {
	tests := []struct {
		in   string
		want []visit.State
		err  bool
	}{
		{"", nil, false},
		{"gpc", []visit.State{visit.GPC}, false},
		{"no-choice, accept-all,no-choice", []visit.State{visit.NoChoice, visit.AcceptAll}, false},
		{"reject", nil, true},
		{"gpc,", nil, true},
	}
	for _, tt := range tests {
		got, err := parseStates(tt.in)
		if (err != nil) != tt.err || strings.Join(stateStrings(got), ",") != strings.Join(stateStrings(tt.want), ",") {
			t.Errorf("parseStates(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func stateStrings(states []visit.State) []string {
	var out []string
	for _, s := range states {
		out = append(out, string(s))
	}
	return out
}

// TestScanSummary checks the summary a scan prints against a golden file,
// for a report with findings of every kind and a state not reached.
func TestScanSummary(t *testing.T) {
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	r := &verdict.Report{
		URL:   "https://www.example.jp/",
		Pages: []string{"https://www.example.jp/", "https://www.example.jp/about/"},
		States: []verdict.StateSummary{
			{State: visit.NoChoice, Reached: true, Pages: 2, Cookies: 1, Storage: 1, Recipients: 2},
			{State: visit.AcceptAll, Reached: true, Choice: visit.ChoiceBanner, Button: "すべて同意する", Pages: 2, Cookies: 3, Recipients: 3},
			{State: visit.RejectAll, Reached: true, Choice: visit.ChoiceNorenCookie, Pages: 2, Errors: 1, Cookies: 1},
			{State: visit.GPC, Reached: false, Note: "the browser stopped"},
		},
		Truncated:  true,
		Violations: 3,
		Warnings:   2,
		Findings: []verdict.Finding{
			{Kind: verdict.UndeclaredCookie, Severity: verdict.Violation, Subject: "_ga_ABC123", SubjectKind: verdict.SubjectCookie, Domain: ".example.jp",
				Database: &cookiedb.Entry{Platform: "Google Analytics", Category: "Analytics"}, States: []visit.State{visit.NoChoice, visit.AcceptAll},
				Evidence:      []verdict.Evidence{{Page: "https://www.example.jp/", State: visit.NoChoice, Initiator: "https://www.googletagmanager.com/gtag/js?id=G-1", Expires: at}},
				EvidenceTotal: 4},
			{Kind: verdict.Unconsented, Severity: verdict.Violation, Subject: "www.googletagmanager.com", SubjectKind: verdict.SubjectRecipient, Tool: "google-analytics", Category: "analytics",
				States:        []visit.State{visit.NoChoice},
				Evidence:      []verdict.Evidence{{Page: "https://www.example.jp/", State: visit.NoChoice, Request: "https://www.googletagmanager.com/gtag/js?id=G-1", Initiator: "https://www.example.jp/"}},
				EvidenceTotal: 1},
			{Kind: verdict.LongerThanDeclared, Severity: verdict.Violation, Subject: "pref", SubjectKind: verdict.SubjectCookie, Tool: "site", Declared: "session", Seen: "1 year",
				States: []visit.State{visit.AcceptAll}, Evidence: []verdict.Evidence{{Page: "https://www.example.jp/about/", State: visit.AcceptAll, Expires: at}}, EvidenceTotal: 1},
			{Kind: verdict.NeverSeen, Severity: verdict.Warning, Subject: "youtube", SubjectKind: verdict.SubjectTool},
			{Kind: verdict.CategoryConflict, Severity: verdict.Warning, Subject: "_gid", SubjectKind: verdict.SubjectCookie, Tool: "site", Declared: "necessary", Seen: "Analytics",
				States: []visit.State{visit.NoChoice}, Evidence: []verdict.Evidence{{Page: "https://www.example.jp/", State: visit.NoChoice}}, EvidenceTotal: 2},
		},
	}
	var out bytes.Buffer
	printScanSummary(&out, r, 12340*time.Millisecond)
	goldentest.Check(t, "testdata/scan/summary.golden", out.Bytes())

	out.Reset()
	printScanSummary(&out, &verdict.Report{URL: "https://www.example.jp/", Pages: []string{"https://www.example.jp/"},
		States: []verdict.StateSummary{{State: visit.NoChoice, Reached: true, Pages: 1}}}, time.Second)
	goldentest.Check(t, "testdata/scan/summary-clean.golden", out.Bytes())
}

func TestScanHelp(t *testing.T) {
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: &out}
	if code := run(context.Background(), env, []string{"scan", "-h"}); code != 0 || !strings.Contains(out.String(), "Usage: noren scan URL") || !strings.Contains(out.String(), "-cookie-db") {
		t.Errorf("scan -h: exit %d\n%s", code, out.String())
	}
}
