package scan

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// res is a Resource written briefly for tables: "element attr directive URL".
func res(s string) Resource {
	f := strings.Fields(s)
	u, _ := url.Parse(f[3])
	d := f[2]
	if d == "-" {
		d = ""
	}
	return Resource{URL: f[3], Host: strings.ToLower(u.Hostname()), Element: f[0], Attr: f[1], Directive: d}
}

func TestParsePageResources(t *testing.T) {
	tests := []struct {
		name string
		html string
		base string
		want []string
	}{
		{"script and frame", `<script src="https://cdn.example.net/a.js"></script><iframe src="https://www.youtube.com/embed/x"></iframe>`, "",
			[]string{"script src script-src https://cdn.example.net/a.js", "iframe src frame-src https://www.youtube.com/embed/x"}},
		{"scheme-relative", `<img src="//img.example.org/a.png">`, "",
			[]string{"img src img-src https://img.example.org/a.png"}},
		{"relative and own host left out", `<img src="/a.png"><img src="https://www.example.jp/b.png"><img src="b.png">`, "https://www.example.jp/x/",
			nil},
		{"srcset", `<img srcset="https://a.example.com/1.png 1x, https://b.example.com/2.png 2x">`, "",
			[]string{"img srcset img-src https://a.example.com/1.png", "img srcset img-src https://b.example.com/2.png"}},
		{"picture and video sources", `<picture><source srcset="https://p.example.com/a.webp"></picture><video poster="https://p.example.com/p.jpg"><source src="https://v.example.com/a.mp4"><track src="https://v.example.com/a.vtt"></video><source src="https://p.example.com/after.png">`, "",
			[]string{"source srcset img-src https://p.example.com/a.webp", "video poster img-src https://p.example.com/p.jpg",
				"source src media-src https://v.example.com/a.mp4", "track src media-src https://v.example.com/a.vtt",
				"source src img-src https://p.example.com/after.png"}},
		{"links that fetch", `<link rel="stylesheet" href="https://s.example.com/a.css"><link rel="icon" href="https://i.example.com/f.ico"><link rel="preload" as="font" href="https://f.example.com/a.woff2"><link rel="dns-prefetch" href="https://d.example.com"><link rel="canonical" href="https://c.example.com/"><link rel="alternate" hreflang="en" href="https://c.example.com/en/">`, "",
			[]string{"link href style-src https://s.example.com/a.css", "link href img-src https://i.example.com/f.ico",
				"link href font-src https://f.example.com/a.woff2", "link href - https://d.example.com"}},
		{"forms and plugins", `<form action="https://forms.example.com/"><button formaction="https://other.example.com/">x</button><input type="image" src="https://i.example.com/go.png"></form><object data="https://o.example.com/a.swf"></object><embed src="https://e.example.com/b.swf">`, "",
			[]string{"form action form-action https://forms.example.com/", "button formaction form-action https://other.example.com/",
				"input src img-src https://i.example.com/go.png", "object data object-src https://o.example.com/a.swf", "embed src object-src https://e.example.com/b.swf"}},
		{"css", `<style>@import "https://c.example.com/a.css"; @font-face{src:url(https://f.example.com/a.woff)} .x{background:url("https://i.example.com/a.png")}</style><p style="background:URL( 'https://i.example.com/b.png' )">`, "",
			[]string{"style style style-src https://c.example.com/a.css", "style style font-src https://f.example.com/a.woff",
				"style style img-src https://i.example.com/a.png", "p style img-src https://i.example.com/b.png"}},
		{"legacy background attribute", `<body background="https://i.example.com/tile.gif"><table background="https://i.example.com/t.gif">`, "",
			[]string{"body background img-src https://i.example.com/tile.gif", "table background img-src https://i.example.com/t.gif"}},
		{"base makes relative references third-party", `<base href="https://cdn.example.net/site/"><img src="a.png">`, "https://www.example.jp/",
			[]string{"img src img-src https://cdn.example.net/site/a.png"}},
		{"browser URL quirks", "<img src=\" https:\\\\q.example.com\\a.png \"><img src=\"ht\ttps://t.example.com/\">", "",
			[]string{"img src img-src https://q.example.com/a.png", "img src img-src https://t.example.com/"}},
		{"noscript content", `<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe></noscript>`, "",
			[]string{"iframe src frame-src https://www.googletagmanager.com/ns.html?id=GTM-X"}},
		{"unknown inline script names no host", `<script>var u = "https://api.example.com/";</script>`, "", nil},
		{"known snippet names its hosts", `<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-X');</script>`, "",
			[]string{"script script script-src https://www.googletagmanager.com/gtm.js?id="}},
		{"JSON-LD is not a script", `<script type="application/ld+json">{"x":"https://schema.org/"}</script>`, "", nil},
		{"non-http schemes", `<img src="data:image/png;base64,AA"><iframe src="about:blank"></iframe><a href="mailto:a@example.com">`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base *url.URL
			if tt.base != "" {
				base, _ = url.Parse(tt.base)
			}
			p, err := ParsePage(strings.NewReader(tt.html), "text/html; charset=utf-8", base, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []Resource
			for _, w := range tt.want {
				want = append(want, res(w))
			}
			if !slices.Equal(p.Resources, want) {
				t.Errorf("resources:\n got %+v\nwant %+v", p.Resources, want)
			}
		})
	}
}

func TestParsePageSnippetsAndFindings(t *testing.T) {
	page := `<script>gtag('config','G-1');</script>
<script>!function(f,b,e,v,n,t,s){n=f.fbq=function(){};t.src=v}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>
<script>console.log("no vendor")</script>
<a href=" JavaScript:alert(1)">x</a><iframe src="javascript:''"></iframe><applet code="A.class"></applet>`
	p, err := ParsePage(strings.NewReader(page), "text/html", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSnippets := []Snippet{{"google-analytics", "gtag('config'"}, {"meta-pixel", "fbq('init'"}}
	if !slices.Equal(p.Snippets, wantSnippets) {
		t.Errorf("snippets = %+v, want %+v", p.Snippets, wantSnippets)
	}
	if len(p.Resources) != 1 || p.Resources[0].Host != "connect.facebook.net" {
		t.Errorf("resources = %+v, want the pixel's loader", p.Resources)
	}
	wantScripts := []Finding{{"a", "href", " JavaScript:alert(1)"}, {"iframe", "src", "javascript:''"}}
	if !slices.Equal(p.ScriptURLs, wantScripts) {
		t.Errorf("javascript: URLs = %+v, want %+v", p.ScriptURLs, wantScripts)
	}
	if len(p.Plugins) != 1 || p.Plugins[0].Element != "applet" {
		t.Errorf("plugins = %+v", p.Plugins)
	}
}

// TestParsePageLegacyCharset checks that a Shift_JIS page is decoded: the
// alt text of its image is read as Japanese.
func TestParsePageLegacyCharset(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "site", "sjis.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("お知らせ")) {
		t.Fatal("fixture is UTF-8; want Shift_JIS")
	}
	tests := []struct{ name, contentType string }{
		{"meta charset", "text/html"},
		{"header", "text/html; charset=Shift_JIS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePage(bytes.NewReader(data), tt.contentType, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Resources) != 1 || p.Resources[0].URL != "https://images.example.jp/logo.gif" {
				t.Errorf("resources = %+v", p.Resources)
			}
		})
	}
}

func TestParsePageLinks(t *testing.T) {
	base, _ := url.Parse("https://www.example.jp/a/b.html")
	p, err := ParsePage(strings.NewReader(`<a href="c.html#top">c</a><a href="https://other.example.com/">o</a><area href="/d/"><frame src="e.html"><a href="http://www.example.jp/f">f</a>`), "text/html", base, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://www.example.jp/a/c.html", "https://www.example.jp/d/", "https://www.example.jp/a/e.html"}
	if !slices.Equal(p.links, want) {
		t.Errorf("links = %v, want %v", p.links, want)
	}
}
