package history_test

import (
	"time"

	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// clock is the tests' moment: 1 December 2026, 03:00 UTC, noon in Japan.
var clock = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// manifestHash stands for the hash of the manifest in force.
const manifestHash = "5f2b6c0e8d4a1f3b9c7e2d6a0b8f4c1e3a5d7b9f0c2e4a6b8d0f1e3c5a7b9d1f"

// finding is a finding of kind about subject, seen on the home page.
func finding(kind verdict.Kind, sev verdict.Severity, subjectKind, subject, domain string) verdict.Finding {
	ev := verdict.Evidence{Page: "https://www.example.jp/", State: visit.NoChoice, Initiator: "https://www.example.jp/app.js"}
	if subjectKind == verdict.SubjectRecipient {
		ev.Request = "https://" + subject + "/tag.js"
	}
	return verdict.Finding{Kind: kind, Severity: sev, Subject: subject, SubjectKind: subjectKind, Domain: domain,
		States: []visit.State{visit.NoChoice}, Evidence: []verdict.Evidence{ev}, EvidenceTotal: 1}
}

// sampleReport is a report of a scan of www.example.jp with the given
// findings, every state reached.
func sampleReport(findings ...verdict.Finding) *verdict.Report {
	r := &verdict.Report{
		Schema: verdict.Schema, Version: "test", URL: "https://www.example.jp/", Manifest: manifestHash,
		Started: clock, Finished: clock.Add(42 * time.Second),
		Pages:    []string{"https://www.example.jp/", "https://www.example.jp/about/"},
		Findings: findings,
	}
	for _, s := range visit.States() {
		r.States = append(r.States, verdict.StateSummary{State: s, Reached: true, Pages: 2, Cookies: 1, Recipients: 1})
	}
	for _, f := range findings {
		if f.Severity == verdict.Violation {
			r.Violations++
		} else {
			r.Warnings++
		}
	}
	return r
}

// Findings the tests use.
var (
	undeclaredCookie = finding(verdict.UndeclaredCookie, verdict.Violation, verdict.SubjectCookie, "_secret", "www.example.jp")
	earlyScript      = finding(verdict.Unconsented, verdict.Violation, verdict.SubjectRecipient, "tags.example.net", "")
	staleTool        = finding(verdict.NeverSeen, verdict.Warning, verdict.SubjectTool, "old-widget", "")
)
