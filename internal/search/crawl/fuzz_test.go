package crawl

import (
	"bytes"
	"net/url"
	"testing"
)

func FuzzSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>https://example.jp/</loc></url></urlset>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, _ := parseSitemap(bytes.NewReader(data))
		if n := len(sm.pages) + len(sm.sitemaps); n > maxSitemapURLs {
			t.Errorf("%d entries", n)
		}
		for _, loc := range append(sm.pages, sm.sitemaps...) {
			if loc == "" || len(loc) > maxURLLength {
				t.Errorf("loc of %d bytes", len(loc))
			}
		}
	})
}

func FuzzLinks(f *testing.F) {
	f.Add([]byte(`<a href="../a#x">a</a><link rel=alternate hreflang=en href="/en/">`))
	page, _ := url.Parse("http://example.jp/ja/page")
	f.Fuzz(func(t *testing.T, data []byte) {
		l := parseLinks(data, page)
		if l.NoFollow && len(l.URLs) > 0 {
			t.Error("links kept on a nofollow page")
		}
		if len(l.URLs) > maxLinks {
			t.Errorf("%d links", len(l.URLs))
		}
		for _, u := range l.URLs {
			if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Fragment != "" {
				t.Errorf("link %s kept", u)
			}
		}
	})
}
