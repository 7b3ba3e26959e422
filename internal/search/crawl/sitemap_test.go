package crawl

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
)

func TestParseSitemap(t *testing.T) {
	tests := []struct {
		name     string
		xml      string
		pages    []string
		sitemaps []string
		wantErr  bool
	}{
		{
			name: "urlset",
			xml: `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://example.jp/ja/ </loc><lastmod>2026-12-01</lastmod></url>
  <url><loc>https://example.jp/en/?a=1&amp;b=2</loc></url>
  <url><loc></loc></url>
</urlset>`,
			pages: []string{"https://example.jp/ja/", "https://example.jp/en/?a=1&b=2"},
		},
		{
			name: "index",
			xml: `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://example.jp/s1.xml</loc></sitemap><sitemap><loc>https://example.jp/s2.xml.gz</loc></sitemap>
</sitemapindex>`,
			sitemaps: []string{"https://example.jp/s1.xml", "https://example.jp/s2.xml.gz"},
		},
		{
			name:  "cdata and a prefix",
			xml:   `<s:urlset xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9"><s:url><s:loc><![CDATA[https://example.jp/a]]></s:loc></s:url></s:urlset>`,
			pages: []string{"https://example.jp/a"},
		},
		{
			name:  "loc elsewhere is ignored",
			xml:   `<urlset><url><image:image><image:loc>https://example.jp/a.png</image:loc></image:image><loc>https://example.jp/b</loc></url></urlset>`,
			pages: []string{"https://example.jp/b"},
		},
		{
			name:    "broken half-way",
			xml:     `<urlset><url><loc>https://example.jp/a</loc></url><url><loc>https://example.jp/b</loc></url><url><loc>https://example.jp/c</loc></url><url>`,
			pages:   []string{"https://example.jp/a", "https://example.jp/b", "https://example.jp/c"},
			wantErr: true,
		},
		{
			name:  "too long a loc",
			xml:   `<urlset><url><loc>https://example.jp/` + strings.Repeat("a", maxURLLength) + `</loc></url><url><loc>https://example.jp/b</loc></url></urlset>`,
			pages: []string{"https://example.jp/b"},
		},
		{
			name:    "not UTF-8",
			xml:     `<?xml version="1.0" encoding="Shift_JIS"?><urlset><url><loc>https://example.jp/a</loc></url></urlset>`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := parseSitemap(strings.NewReader(tt.xml))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(sm.pages, tt.pages) || !slices.Equal(sm.sitemaps, tt.sitemaps) {
				t.Errorf("pages %q sitemaps %q, want %q %q", sm.pages, sm.sitemaps, tt.pages, tt.sitemaps)
			}
		})
	}
}

func TestParseSitemapGzip(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`<urlset><url><loc>https://example.jp/z</loc></url></urlset>`))
	zw.Close()
	sm, err := parseSitemap(&b)
	if err != nil || !slices.Equal(sm.pages, []string{"https://example.jp/z"}) {
		t.Errorf("pages %q, err %v", sm.pages, err)
	}
	if _, err := parseSitemap(strings.NewReader("\x1f\x8bnot gzip")); err == nil {
		t.Error("a broken gzip stream read without error")
	}
}
