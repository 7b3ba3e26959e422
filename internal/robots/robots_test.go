package robots

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The tokens of the site search's crawler: its short name and the
// User-Agent header it sends, whose first word operators may write.
var searchAgents = []string{"noren", "Noren-search (+site search)"}

func TestAllowed(t *testing.T) {
	tests := []struct {
		name   string
		robots string
		path   string
		want   bool
	}{
		{"no rules", "", "/a", true},
		{"disallow prefix", "User-agent: *\nDisallow: /private", "/private/x", false},
		{"prefix is not a word", "User-agent: *\nDisallow: /private", "/privateer", false},
		{"other path", "User-agent: *\nDisallow: /private/", "/public/", true},
		{"empty disallow", "User-agent: *\nDisallow:", "/a", true},
		{"longer allow wins", "User-agent: *\nDisallow: /a/\nAllow: /a/open", "/a/open/x", true},
		{"longer disallow wins", "User-agent: *\nAllow: /a/\nDisallow: /a/secret", "/a/secret", false},
		{"allow wins a tie", "User-agent: *\nDisallow: /a\nAllow: /a", "/a", true},
		{"star", "User-agent: *\nDisallow: /*.php", "/x/index.php?a=1", false},
		{"star in the middle", "User-agent: *\nDisallow: /a/*/edit", "/a/b/c/edit/1", false},
		{"star no match", "User-agent: *\nDisallow: /a/*/edit", "/a/edit", true},
		{"dollar anchors", "User-agent: *\nDisallow: /*.pdf$", "/f/a.pdf", false},
		{"dollar leaves longer paths", "User-agent: *\nDisallow: /*.pdf$", "/f/a.pdf?x", true},
		{"exact root only", "User-agent: *\nDisallow: /$", "/", false},
		{"exact root only, others", "User-agent: *\nDisallow: /$", "/a", true},
		{"query", "User-agent: *\nDisallow: /*?sort=", "/list?sort=asc", false},
		{"own group", "User-agent: *\nDisallow: /\n\nUser-agent: noren\nDisallow: /x", "/a", true},
		{"own group by product token", "User-agent: *\nDisallow: /\n\nUser-agent: Noren/2.1\nDisallow: /x", "/x", false},
		{"a longer name is not ours", "User-agent: norenbot\nDisallow: /\n", "/a", true},
		{"the user agent's token", "User-agent: *\nDisallow: /\n\nUser-agent: noren-search\nAllow: /", "/a", true},
		{"own group without rules", "User-agent: *\nDisallow: /\n\nUser-agent: noren\nDisallow:", "/a", true},
		{"groups share rules", "User-agent: a\nUser-agent: noren\nUser-agent: b\nDisallow: /x", "/x", false},
		{"groups merge", "User-agent: noren\nDisallow: /x\n\nUser-agent: *\nDisallow: /\n\nUser-agent: noren\nDisallow: /y", "/y", false},
		{"comments and case", "# hi\nUSER-AGENT: * # all\nDISALLOW: /p # private", "/p", false},
		{"rules before any group", "Disallow: /\nUser-agent: *\nAllow: /", "/a", true},
		{"unicode pattern", "User-agent: *\nDisallow: /お知らせ/", "/%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B/1", false},
		{"escape case", "User-agent: *\nDisallow: /%e3%81%8a", "/%E3%81%8A", false},
		{"pattern without slash", "User-agent: *\nDisallow: private", "/private", false},
		{"robots.txt itself", "User-agent: *\nDisallow: /", "/robots.txt", true},
		{"crlf", "User-agent: *\r\nDisallow: /a\r\n", "/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(strings.NewReader(tt.robots), searchAgents...)
			if got := r.Allowed(tt.path); got != tt.want {
				t.Errorf("Allowed(%q) = %v, want %v; rules %+v", tt.path, got, tt.want, r.rules)
			}
		})
	}
}

func TestNilRulesAllow(t *testing.T) {
	var r *Rules
	if !r.Allowed("/a") || r.Sitemaps() != nil {
		t.Error("nil rules refuse or name sitemaps")
	}
	if d, ok := r.Delay(); d != 0 || ok {
		t.Errorf("nil rules delay %v %v", d, ok)
	}
	if !(&Rules{}).Allowed("/a") {
		t.Error("zero rules refuse")
	}
}

func TestDelayAndSitemaps(t *testing.T) {
	tests := []struct {
		name     string
		robots   string
		delay    time.Duration
		hasDelay bool
		sitemaps []string
	}{
		{"none", "User-agent: *\nDisallow:", 0, false, nil},
		{"seconds", "User-agent: *\nCrawl-delay: 2", 2 * time.Second, true, nil},
		{"zero", "User-agent: *\nCrawl-delay: 0", 0, true, nil},
		{"fraction", "User-agent: *\nCrawl-delay: 0.5", 500 * time.Millisecond, true, nil},
		{"capped", "User-agent: *\nCrawl-delay: 3600", MaxDelay, true, nil},
		{"garbage", "User-agent: *\nCrawl-delay: soon", 0, false, nil},
		{"another agent's", "User-agent: slowbot\nCrawl-delay: 5\n\nUser-agent: *\nDisallow:", 0, false, nil},
		{"own group's", "User-agent: *\nCrawl-delay: 5\n\nUser-agent: noren\nCrawl-delay: 1", time.Second, true, nil},
		{"merged groups take the longest", "User-agent: noren\nCrawl-delay: 1\n\nUser-agent: noren\nCrawl-delay: 3", 3 * time.Second, true, nil},
		{
			"sitemaps anywhere", "Sitemap: https://example.jp/a.xml\nUser-agent: *\nDisallow: /\nSitemap: /b.xml.gz",
			0, false, []string{"https://example.jp/a.xml", "/b.xml.gz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(strings.NewReader(tt.robots), "noren")
			d, ok := r.Delay()
			if d != tt.delay || ok != tt.hasDelay || !slices.Equal(r.Sitemaps(), tt.sitemaps) {
				t.Errorf("delay %v %v sitemaps %q, want %v %v %q", d, ok, r.Sitemaps(), tt.delay, tt.hasDelay, tt.sitemaps)
			}
		})
	}
}

// TestSizeLimit checks that lines past MaxSize are not read, so that a
// huge file cannot hold the crawler's memory.
func TestSizeLimit(t *testing.T) {
	txt := "User-agent: *\n" + strings.Repeat("#\n", MaxSize/2) + "Disallow: /\n"
	if r := Parse(strings.NewReader(txt), "noren"); !r.Allowed("/a") {
		t.Error("a rule past the size limit was read")
	}
}
