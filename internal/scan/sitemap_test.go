package scan

import (
	"slices"
	"strings"
	"testing"
)

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
