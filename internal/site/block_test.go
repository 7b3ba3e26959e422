package site

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestURLHost(t *testing.T) {
	tests := []struct {
		ref, want string
	}{
		{"https://www.googletagmanager.com/gtag/js?id=G-1", "www.googletagmanager.com"},
		{"HTTPS://WWW.GoogleTagManager.COM:443/x", "www.googletagmanager.com"},
		{"http://user:secret@stats.example.com:8080/p", "stats.example.com"},
		{"//cdn.example.com/lib.js", "cdn.example.com"},
		{"///cdn.example.com/lib.js", "cdn.example.com"},
		{"https:/cdn.example.com/lib.js", "cdn.example.com"},
		{"https:cdn.example.com/lib.js", "cdn.example.com"},
		{`\\cdn.example.com\lib.js`, "cdn.example.com"},
		{`https:\\cdn.example.com`, "cdn.example.com"},
		{"/\t/cdn.example.com/x", "cdn.example.com"},
		{"  \n//cdn.example.com/x  ", "cdn.example.com"},
		{"https://cdn.example.com./x", "cdn.example.com"},
		{"https://cdn.example.com?x", "cdn.example.com"},
		{"https://cdn.example.com#x", "cdn.example.com"},
		{"https://%63dn.example.com/", "cdn.example.com"},
		{"https://ｃｄｎ．example．com/", "cdn.example.com"},
		{"https://例え.jp/", "xn--r8jz45g.jp"},
		{"https://[2001:db8::1]:443/", "[2001:db8::1]"},
		{"/assets/site.js", ""},
		{"assets/site.js", ""},
		{"?q=//cdn.example.com", ""},
		{"#//cdn.example.com", ""},
		{"/ /cdn.example.com", ""},
		{"data:text/javascript,alert(1)", ""},
		{"javascript://cdn.example.com/%0aalert(1)", ""},
		{"blob:https://cdn.example.com/1", ""},
		{"mailto:someone@cdn.example.com", ""},
		{"https://", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URLHost(tt.ref); got != tt.want {
			t.Errorf("URLHost(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestRelativeURL(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{"/assets/site.js", true},
		{"assets/site.js", true},
		{"../site.js", true},
		{"./a:b.js", true},
		{"?v=1", true},
		{"  /assets/site.js\n", true},
		{"/ /cdn.example.com", true},
		{"//cdn.example.com/x.js", false},
		{"/\t/cdn.example.com/x.js", false},
		{`\\cdn.example.com\x.js`, false},
		{`/\cdn.example.com/x.js`, false},
		{"\x01//cdn.example.com/x.js", false},
		{"https://cdn.example.com/x.js", false},
		{"HTTP:x.js", false},
		{"data:text/javascript,alert(1)", false},
		{"java\tscript:alert(1)", false},
		{" javascript:alert(1)", false},
		{"blob:https://example.com/1", false},
		{"", false},
		{" \t", false},
	}
	for _, tt := range tests {
		if got := RelativeURL(tt.ref); got != tt.want {
			t.Errorf("RelativeURL(%q) = %v, want %v", tt.ref, got, tt.want)
		}
	}
}

func TestHostMatches(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"www.googletagmanager.com", "www.googletagmanager.com", true},
		{"www.googletagmanager.com", "googletagmanager.com", false},
		{"www.googletagmanager.com", "evil-www.googletagmanager.com", false},
		{"*.google-analytics.com", "region1.google-analytics.com", true},
		{"*.google-analytics.com", "a.b.google-analytics.com", true},
		{"*.google-analytics.com", "google-analytics.com", false},
		{"*.google-analytics.com", "evilgoogle-analytics.com", false},
		{"*.google-analytics.com", ".google-analytics.com", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := HostMatches(tt.pattern, tt.host); got != tt.want {
			t.Errorf("HostMatches(%q, %q) = %v, want %v", tt.pattern, tt.host, got, tt.want)
		}
	}
}

func TestSrcsetURLs(t *testing.T) {
	tests := []struct {
		srcset string
		want   []string
	}{
		{"a.png", []string{"a.png"}},
		{"a.png 1x, https://cdn.example.com/b.png 2x", []string{"a.png", "https://cdn.example.com/b.png"}},
		{" a.png, b.png , c.png 300w", []string{"a.png", "b.png", "c.png"}},
		{"a.png,b.png 2x", []string{"a.png,b.png"}}, // one URL with a comma
		{"a.png (min-width: 1px, x) 1x, b.png", []string{"a.png", "b.png"}},
		{"https://cdn.example.com/w_1,h_2/c.png 1x", []string{"https://cdn.example.com/w_1,h_2/c.png"}},
		{",,, ", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := slices.Collect(SrcsetURLs(tt.srcset)); !slices.Equal(got, tt.want) {
			t.Errorf("SrcsetURLs(%q) = %q, want %q", tt.srcset, got, tt.want)
		}
	}
}

func TestMayNameHost(t *testing.T) {
	tests := []struct {
		tag  string
		want bool
	}{
		{`<img src="/assets/logo.svg" alt="" width="48" height="48">`, false},
		{`<link rel="stylesheet" href="/assets/site.css">`, false},
		{`<br/>`, false},
		{`<script src="https://cdn.example.com/a.js">`, true},
		{`<script src="//cdn.example.com/a.js">`, true},
		{`<script src="/` + "\n" + `/cdn.example.com/a.js">`, true},
		{`<script src="\\cdn.example.com/a.js">`, true},
		{`<script src="https&#58;&#47;&#47;cdn.example.com/a.js">`, true},
	}
	for _, tt := range tests {
		if got := MayNameHost([]byte(tt.tag)); got != tt.want {
			t.Errorf("MayNameHost(%q) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

// FuzzURLHost checks URLHost on any input: it never panics, returns a
// normalised host or nothing, agrees with net/url on plain URLs, and finds
// nothing where MayNameHost saw no sign of a host.
func FuzzURLHost(f *testing.F) {
	f.Add("https://www.googletagmanager.com/gtag/js?id=G-1")
	f.Add("//cdn.example.com/x")
	f.Fuzz(func(t *testing.T, ref string) {
		host := URLHost(ref)
		if host == "" {
			return
		}
		if host != strings.ToLower(host) || strings.HasSuffix(host, ".") || strings.ContainsAny(host, "/?#@\\\t\n\r") {
			t.Fatalf("URLHost(%q) = %q, not a normalised host", ref, host)
		}
		if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
			t.Fatalf("URLHost(%q) = %q keeps a port", ref, host)
		}
		if !MayNameHost([]byte(ref)) {
			t.Fatalf("URLHost(%q) = %q, but MayNameHost saw no host", ref, host)
		}
		if plainURL(ref) {
			u, err := url.Parse(ref)
			if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.HasPrefix(ref, u.Scheme+"://") {
				if want := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."); host != want {
					t.Fatalf("URLHost(%q) = %q, net/url says %q", ref, host, want)
				}
			}
		}
	})
}

// plainURL reports whether ref is made of the characters whose meaning
// net/url and browsers agree on.
func plainURL(ref string) bool {
	for _, c := range ref {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.ContainsRune(".-:/", c)) {
			return false
		}
	}
	return true
}

// srcMarker is a tag rewriter for tests: it renames the src of scripts
// that may name a host and puts a comment after every <x-box>.
func srcMarker() []TagRewriter {
	return []TagRewriter{
		{
			Tags:  []string{"script", "img"},
			Maybe: MayNameHost,
			Rewrite: func(p Page, tok *html.Token) (bool, string) {
				for i, a := range tok.Attr {
					if a.Key == "src" && URLHost(a.Val) != "" {
						tok.Attr[i].Key = "data-held"
						return true, ""
					}
				}
				return false, ""
			},
		},
		{
			Tags: []string{"x-box"},
			Rewrite: func(p Page, tok *html.Token) (bool, string) {
				return false, "<!--" + p.Lang + ":" + p.Title + "-->"
			},
		},
	}
}

func TestTagRewriters(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			"held script, relative one untouched",
			`<html lang="en"><head><script src="https://cdn.example/a.js"></script><script src="/b.js"></script></head>`,
			`<html lang="en"><head><script data-held="https://cdn.example/a.js"></script><script src="/b.js"></script><!--HEAD--></head><!--FOOT-->`,
		},
		{
			"HTML after a start tag, with the title",
			`<html lang="ja"><title> A &amp;  B </title><body><X-BOX class="s"></X-BOX></body>`,
			`<html lang="ja"><title> A &amp;  B </title><!--HEAD--><body><X-BOX class="s"><!--ja:A & B--></X-BOX><!--FOOT--></body>`,
		},
		{
			"title only from the head",
			`<html lang="en"><body><svg><title>icon</title></svg><x-box></x-box></body>`,
			`<html lang="en"><!--HEAD--><body><svg><title>icon</title></svg><x-box><!--en:--></x-box><!--FOOT--></body>`,
		},
		{
			"inside noscript",
			`<body><noscript><img src="https://pixel.example/p.gif"><p>x</p></noscript></body>`,
			`<!--HEAD--><body><noscript><img data-held="https://pixel.example/p.gif"><p>x</p></noscript><!--FOOT--></body>`,
		},
		{
			"inside nested noscript",
			`<body><noscript><div><noscript><img src="//pixel.example/p.gif"></noscript></div></noscript></body>`,
			`<!--HEAD--><body><noscript><div><noscript><img data-held="//pixel.example/p.gif"></noscript></div></noscript><!--FOOT--></body>`,
		},
		{
			"inside a template",
			`<body><template><script src="https://cdn.example/t.js"></script></template></body>`,
			`<!--HEAD--><body><template><script data-held="https://cdn.example/t.js"></script></template><!--FOOT--></body>`,
		},
		{
			"script text is not markup",
			`<body><script>document.write('<img src="https://pixel.example/p.gif">')</script></body>`,
			`<!--HEAD--><body><script>document.write('<img src="https://pixel.example/p.gif">')</script><!--FOOT--></body>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := markerConfig("/")
			cfg.startTags = srcMarker()
			if got := rewriteString(t, tt.in, cfg); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestTagRewritersCostNothingWithoutCandidates checks that a page whose
// tags no rewriter wants allocates no more than with no rewriters at all.
// (The page has no title, which rewriters are given once per page.)
func TestTagRewritersCostNothingWithoutCandidates(t *testing.T) {
	var page strings.Builder
	if err := largePage(&page, 64<<10); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(page.String(), "<title>Large</title>", "", 1)
	src = strings.Replace(src, "<body>", `<body><img src="/logo.svg" alt=""><script src="/site.js"></script>`, 1)
	allocs := func(rewriters []TagRewriter) float64 {
		cfg := markerConfig("/")
		cfg.startTags = rewriters
		return testing.AllocsPerRun(10, func() {
			if err := rewriteHTML(discard{}, strings.NewReader(src), cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	without, with := allocs(nil), allocs(srcMarker()[:1])
	if with > without {
		t.Errorf("rewriting with tag rewriters but no candidates allocates %v times per page, without rewriters %v", with, without)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestTagRewriterOptionsChecked(t *testing.T) {
	for _, tr := range []TagRewriter{
		{Tags: []string{"script"}},
		{Rewrite: func(Page, *html.Token) (bool, string) { return false, "" }},
	} {
		opt := testOptions()
		opt.Injection.StartTags = []TagRewriter{tr}
		if _, err := NewInjector(opt); err == nil {
			t.Errorf("NewInjector accepted the tag rewriter %+v", tr)
		}
	}
}
