package crawl

import (
	"net/url"
	"slices"
	"testing"
)

func TestParseLinks(t *testing.T) {
	page, _ := url.Parse("http://example.jp/ja/news/item.html?x=1")
	tests := []struct {
		name     string
		html     string
		want     []string
		noFollow bool
	}{
		{
			name: "relative forms",
			html: `<a href="other.html">1</a><a href="./a/">2</a><a href="../">3</a><a href="/abs">4</a>
<a href="?page=2">5</a><a href="//example.jp/x">6</a><a href="https://example.jp/y#frag">7</a><a href="../../../../up">8</a>`,
			want: []string{
				"http://example.jp/ja/news/other.html", "http://example.jp/ja/news/a/", "http://example.jp/ja/",
				"http://example.jp/abs", "http://example.jp/ja/news/item.html?page=2", "http://example.jp/x",
				"https://example.jp/y", "http://example.jp/up",
			},
		},
		{
			name: "schemes and fragments skipped",
			html: `<a href="mailto:a@example.jp">m</a><a href="tel:0312345678">t</a><a href="javascript:go()">j</a>
<a href="data:text/html,x">d</a><a href="#top">f</a><a href="">e</a><a>no href</a><a href="ftp://example.jp/">ftp</a>`,
		},
		{
			name: "spaces stripped",
			html: "<a href=\"  /a\n/b\t \">x</a><a href=' java\nscript:x'>j</a>",
			want: []string{"http://example.jp/a/b"},
		},
		{
			name: "nofollow links",
			html: `<a rel="nofollow" href="/n">n</a><a rel="external NOFOLLOW" href="/m">m</a><a rel="noopener" href="/y">y</a>`,
			want: []string{"http://example.jp/y"},
		},
		{
			name: "alternate languages only",
			html: `<link rel="alternate" hreflang="en" href="/en/news/"><link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" href="/feed"><link rel="canonical" href="/c">`,
			want: []string{"http://example.jp/en/news/"},
		},
		{
			name: "area",
			html: `<map><area href="/map/1" shape="rect"></map>`,
			want: []string{"http://example.jp/map/1"},
		},
		{
			name: "base href",
			html: `<base href="/root/"><base href="/ignored/"><a href="x">x</a>`,
			want: []string{"http://example.jp/root/x"},
		},
		{
			name:     "meta robots nofollow",
			html:     `<meta name="robots" content="noindex,nofollow"><a href="/a">a</a>`,
			noFollow: true,
		},
		{
			name:     "meta none for our agent",
			html:     `<meta name="Noren" content="none"><a href="/a">a</a>`,
			noFollow: true,
		},
		{
			name: "another agent's meta",
			html: `<meta name="googlebot" content="nofollow"><a href="/a">a</a>`,
			want: []string{"http://example.jp/a"},
		},
		{
			name: "links in scripts and comments are not links",
			html: `<script>var s = '<a href="/s">';</script><!-- <a href="/c"> --><textarea><a href="/t"></textarea><a href="/real">r</a>`,
			want: []string{"http://example.jp/real"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := parseLinks([]byte(tt.html), page)
			var got []string
			for _, u := range l.URLs {
				got = append(got, u.String())
			}
			if !slices.Equal(got, tt.want) || l.NoFollow != tt.noFollow {
				t.Errorf("links %q nofollow %v, want %q %v", got, l.NoFollow, tt.want, tt.noFollow)
			}
		})
	}
}
