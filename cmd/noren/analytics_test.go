package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyticsCommands generates events into a fresh database, then
// queries and times them, as the documentation's commands do.
func TestAnalyticsCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "noren.db")
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"analytics", "generate", "-database", dsn, "-events", "3000", "-days", "3", "-batch", "500"},
			[]string{"stored 3000 events of demo.localhost", "events/s", "rolled up in"}},
		{[]string{"analytics", "query", "-database", dsn, "-range", "4", "-zone", "UTC", "-top", "path,source", "-where", "language=ja"},
			[]string{"visitors", "bounce rate", "visitors by day", "top path", "/ja/", "top source", "(none)"}},
		{[]string{"analytics", "bench", "-database", dsn, "-runs", "2", "-zone", "UTC"},
			[]string{"p50", "p95", "totals", "series by day", "top path", "top source", "top country", "realtime"}},
	}
	for _, step := range steps {
		code, stdout, stderr := runNoren(step.args...)
		if code != 0 {
			t.Fatalf("noren %s: exit %d\n%s", strings.Join(step.args, " "), code, stderr)
		}
		for _, want := range step.want {
			if !strings.Contains(stdout, want) {
				t.Errorf("noren %s: output lacks %q:\n%s", step.args[1], want, stdout)
			}
		}
	}
}

// TestAnalyticsUsage checks that wrong command lines exit 2 with help.
func TestAnalyticsUsage(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "noren.db")
	for _, args := range [][]string{
		{"analytics"},
		{"analytics", "tally"},
		{"analytics", "query", "-database", dsn, "-where", "country"},
		{"analytics", "generate", "-database", dsn, "-days", "0"},
		{"analytics", "bench", "-database", dsn, "extra"},
	} {
		code, _, stderr := runNoren(args...)
		if code != 2 || !strings.Contains(stderr, "Usage: noren analytics") {
			t.Errorf("noren %s: exit %d, stderr %q; want 2 and usage", strings.Join(args, " "), code, stderr)
		}
	}
	if code, _, stderr := runNoren("analytics", "query", "-database", dsn, "-top", "colour"); code != 1 || !strings.Contains(stderr, "unknown dimension") {
		t.Errorf("query of an unknown dimension: exit %d, %q", code, stderr)
	}
}
