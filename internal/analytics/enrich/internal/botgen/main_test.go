package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/noren-web/noren/internal/analytics/enrich"
	"github.com/noren-web/noren/internal/goldentest"
)

// The files of the enrich package, seen from here.
var (
	listPath  = filepath.Join("..", "..", "bots", "crawler-user-agents.json")
	localPath = filepath.Join("..", "..", "bots", "local.txt")
	outPath   = filepath.Join("..", "..", "bot_tokens.go")
)

// TestGeneratedUpToDate checks that bot_tokens.go is what go generate
// writes from the files in bots.
func TestGeneratedUpToDate(t *testing.T) {
	src, _, err := generateFiles(listPath, localPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(src) != string(want) {
		t.Errorf("bot_tokens.go is out of date; run go generate ./internal/analytics/enrich\n%s", goldentest.FirstDifference(want, src))
	}
}

func TestPatternLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		want    []literal
		exact   bool
	}{
		{`Googlebot\/`, []literal{{s: "googlebot/"}}, true},
		{`[wW]get`, []literal{{s: "wget"}}, true},
		{`S[eE][mM]rushBot`, []literal{{s: "semrushbot"}}, true},
		{`Ahrefs(Bot|SiteAudit)`, []literal{{s: "ahrefsbot"}, {s: "ahrefssiteaudit"}}, true},
		{`Automaton|Newsify Feed Fetcher`, []literal{{s: "automaton"}, {s: "newsify feed fetcher"}}, true},
		{`^curl`, []literal{{s: "curl", atStart: true}}, true},
		{`(^| )sentry\/`, []literal{{s: "sentry/", atStart: true}, {s: " sentry/"}}, true},
		{`SSL Labs$`, []literal{{s: "ssl labs"}}, false},
		{`AdsBot-Google([^-]|$)`, []literal{{s: "adsbot-google"}}, false},
		{`BlogTraffic\/\d\.\d+ Feed-Fetcher`, []literal{{s: " feed-fetcher"}}, false},
		{`Current[\s\S]*RSS Reader`, []literal{{s: "rss reader"}}, false},
	}
	for _, tt := range tests {
		got, exact, err := patternLiterals(tt.pattern)
		if err != nil {
			t.Errorf("patternLiterals(%q): %v", tt.pattern, err)
			continue
		}
		if !slices.Equal(got, tt.want) || exact != tt.exact {
			t.Errorf("patternLiterals(%q) = %v, %v; want %v, %v", tt.pattern, got, exact, tt.want, tt.exact)
		}
	}
}

func TestPatternLiteralsNone(t *testing.T) {
	for _, pattern := range []string{`\d+`, `[a-z]+ab`, `a.b`} {
		if got, _, err := patternLiterals(pattern); err == nil {
			t.Errorf("patternLiterals(%q) = %v, want an error", pattern, got)
		}
	}
}

func TestMinimal(t *testing.T) {
	got := minimal([]string{"googlebot/", "bot", "crawl", "webcrawler", "bot-x", "cubotscan", "crawl"})
	want := []string{"bot", "bot-x", "crawl", "cubotscan"}
	if !slices.Equal(got, want) {
		t.Errorf("minimal = %q, want %q", got, want)
	}
}

func TestParseLocal(t *testing.T) {
	lf, err := parseLocal([]byte("# comment\n\nY!J-\nhatena\n!AP3A\\.240617\\.008\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"y!j-", "hatena"}; !slices.Equal(lf.tokens, want) {
		t.Errorf("tokens = %q, want %q", lf.tokens, want)
	}
	if !lf.excluded[`AP3A\.240617\.008`] || len(lf.excluded) != 1 {
		t.Errorf("excluded = %v", lf.excluded)
	}
	if _, err := parseLocal([]byte("ab\n")); err == nil {
		t.Error("parseLocal took a two-byte token")
	}
}

// TestInstancesAreBots checks that IsBot finds every example User-Agent of
// the crawler list, save those of the patterns local.txt leaves out.
func TestInstancesAreBots(t *testing.T) {
	b, err := os.ReadFile(listPath)
	if err != nil {
		t.Fatal(err)
	}
	var crawlers []crawler
	if err := json.Unmarshal(b, &crawlers); err != nil {
		t.Fatal(err)
	}
	local, err := os.ReadFile(localPath)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := parseLocal(local)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range crawlers {
		if lf.excluded[c.Pattern] {
			continue
		}
		for _, ua := range c.Instances {
			n++
			if !enrich.IsBot(ua) {
				t.Errorf("IsBot(%q) = false; pattern %q", ua, c.Pattern)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d examples in the crawler list", n)
	}
}
