package scan

import (
	"slices"
	"strings"
	"testing"
)

func TestRobots(t *testing.T) {
	const txt = `# comment
User-agent: *
Disallow: /private/
Disallow: /*.php$
Allow: /private/open/

User-agent: Other-bot
Disallow: /

Sitemap: https://www.example.jp/sitemap-a.xml
`
	r := parseRobots(strings.NewReader(txt), Agent)
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/private/x", false},
		{"/private/open/x", true},
		{"/index.php", false},
		{"/index.php?x=1", true},
		{"/robots.txt", true},
	}
	for _, tt := range tests {
		if got := r.allowed(tt.path); got != tt.want {
			t.Errorf("allowed(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if want := []string{"https://www.example.jp/sitemap-a.xml"}; !slices.Equal(r.sitemaps, want) {
		t.Errorf("sitemaps = %v, want %v", r.sitemaps, want)
	}
	// A group for the scanner's own token replaces the * group.
	own := parseRobots(strings.NewReader("User-agent: *\nDisallow: /\n\nUser-agent: noren-scan\nDisallow: /secret\n"), Agent)
	if !own.allowed("/page") || own.allowed("/secret/x") {
		t.Error("the scanner's own group does not decide")
	}
}

func TestSitemap(t *testing.T) {
	pages, maps := parseSitemap(strings.NewReader(`<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://www.example.jp/a/ </loc></url><url><loc>https://www.example.jp/b/</loc></url></urlset>`))
	if want := []string{"https://www.example.jp/a/", "https://www.example.jp/b/"}; !slices.Equal(pages, want) || len(maps) != 0 {
		t.Errorf("pages %v, sitemaps %v", pages, maps)
	}
	pages, maps = parseSitemap(strings.NewReader(`<sitemapindex><sitemap><loc>https://www.example.jp/s1.xml</loc></sitemap></sitemapindex>`))
	if want := []string{"https://www.example.jp/s1.xml"}; len(pages) != 0 || !slices.Equal(maps, want) {
		t.Errorf("pages %v, sitemaps %v", pages, maps)
	}
}
