package history_test

import (
	"slices"
	"testing"

	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
)

func TestCompare(t *testing.T) {
	// The same cookie name on another domain is another finding.
	otherDomain := undeclaredCookie
	otherDomain.Domain = "shop.example.jp"
	// A finding whose severity, states and evidence changed is the same.
	changed := earlyScript
	changed.Severity = verdict.Warning
	changed.EvidenceTotal = 7
	tests := []struct {
		name                  string
		earlier, later        *verdict.Report
		wantNew, wantResolved []string
		wantStill             []string
	}{
		{"no earlier run", nil, sampleReport(undeclaredCookie, staleTool), []string{"_secret", "old-widget"}, nil, nil},
		{"same findings", sampleReport(undeclaredCookie), sampleReport(undeclaredCookie), nil, nil, []string{"_secret"}},
		{"fixed and broken", sampleReport(undeclaredCookie, staleTool), sampleReport(earlyScript, staleTool),
			[]string{"tags.example.net"}, []string{"_secret"}, []string{"old-widget"}},
		{"other domain", sampleReport(undeclaredCookie), sampleReport(otherDomain), []string{"_secret"}, []string{"_secret"}, nil},
		{"changed details", sampleReport(earlyScript), sampleReport(changed), nil, nil, []string{"tags.example.net"}},
		{"all resolved", sampleReport(undeclaredCookie, earlyScript), sampleReport(), nil, []string{"_secret", "tags.example.net"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := history.Compare(tt.earlier, tt.later)
			for _, c := range []struct {
				what string
				got  []verdict.Finding
				want []string
			}{{"new", d.New, tt.wantNew}, {"resolved", d.Resolved, tt.wantResolved}, {"still", d.Still, tt.wantStill}} {
				var subjects []string
				for _, f := range c.got {
					subjects = append(subjects, f.Subject)
				}
				if !slices.Equal(subjects, c.want) {
					t.Errorf("%s: %v, want %v", c.what, subjects, c.want)
				}
			}
			if len(d.Still) == 1 && tt.name == "changed details" && d.Still[0].EvidenceTotal != 7 {
				t.Error("a finding still present is not shown as the later run has it")
			}
		})
	}
}
