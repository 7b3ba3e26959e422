package consent_test

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/server"
)

func TestCSPSources(t *testing.T) {
	m := blockManifest(t)
	var logs bytes.Buffer
	got := consent.CSPSources(m, slog.New(slog.NewTextHandler(&logs, nil)))
	// Third-party tools only, in manifest order, gated or not.
	want := []string{
		"https://cse.google.com",
		"https://www.googletagmanager.com", "https://*.google-analytics.com",
		"https://*.google.com", "https://*.doubleclick.net",
		"https://www.youtube-nocookie.com",
	}
	for _, d := range consent.ToolDirectives() {
		if !slices.Equal(got[d], want) {
			t.Errorf("%s: %q, want %q", d, got[d], want)
		}
	}
	if len(got) != len(consent.ToolDirectives()) {
		t.Errorf("directives %v, want only %v", got, consent.ToolDirectives())
	}
	if slices.ContainsFunc(got["img-src"], func(s string) bool { return strings.Contains(s, "static.example.jp") }) {
		t.Error("a first-party host is in the policy")
	}
	if logs.Len() > 0 {
		t.Errorf("logged for a valid manifest: %s", logs.String())
	}
	var sources server.CSPSources
	if err := sources.Set(got); err != nil {
		t.Errorf("the server refuses the sources: %v", err)
	}
}

// TestCSPSourcesSkipsBadHosts checks a manifest that skipped validation:
// hosts that are not CSP host sources are left out and logged, the rest
// kept.
func TestCSPSourcesSkipsBadHosts(t *testing.T) {
	m := blockManifest(t)
	bad := []string{"evil.example; script-src *", "*", "https://cdn.example", "cdn.example:8443", "CDN.example", "a..example", "-a.example", "a.*.example", ""}
	m.Tools[2].Hosts = append(slices.Clone(bad), "ok.example")
	var logs bytes.Buffer
	got := consent.CSPSources(m, slog.New(slog.NewTextHandler(&logs, nil)))
	if !slices.Contains(got["script-src"], "https://ok.example") {
		t.Errorf("the valid host was dropped: %q", got["script-src"])
	}
	for _, h := range bad {
		for _, src := range got["script-src"] {
			if src == "https://"+h {
				t.Errorf("bad host %q in the policy", h)
			}
		}
		if h != "" && !strings.Contains(logs.String(), h) {
			t.Errorf("bad host %q not logged:\n%s", h, logs.String())
		}
	}
	var sources server.CSPSources
	if err := sources.Set(got); err != nil {
		t.Errorf("the server refuses the sources: %v", err)
	}
}

func TestCSPSourcesWithoutThirdParties(t *testing.T) {
	m := blockManifest(t)
	m.Tools = m.Tools[:1]
	if got := consent.CSPSources(m, slog.New(slog.DiscardHandler)); len(got) != 0 {
		t.Errorf("sources %v for a site without third parties", got)
	}
}
