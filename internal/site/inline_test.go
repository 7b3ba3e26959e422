package site

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/csp"
	"golang.org/x/net/html"
)

// fitNonce is the nonce of the responses the tests below rewrite.
const fitNonce = "Zml0LW5vbmNl"

// fitConfig is a rewrite that fits pages to a policy with fitNonce and
// collects the hashes of their inline attributes, inserting nothing.
func fitConfig() *rewriteConfig {
	return &rewriteConfig{
		language: func(string) string { return "en" },
		pagePath: "/",
		nonce:    fitNonce,
		fit:      true,
		hashes:   &csp.Hashes{},
	}
}

func TestFitInlineCode(t *testing.T) {
	n := `nonce="` + fitNonce + `"`
	tests := []struct {
		name, page, want string
		// The code whose hashes the policy needs, by directive.
		scriptAttr, styleAttr, navigation []string
	}{
		{name: "inline script", page: `<script>init()</script>`, want: `<script ` + n + `>init()</script>`},
		{name: "inline script with attributes", page: `<SCRIPT defer>init()</SCRIPT>`, want: `<SCRIPT ` + n + ` defer>init()</SCRIPT>`},
		{name: "module", page: `<script type=module>import "/a.js"</script>`, want: `<script ` + n + ` type=module>import "/a.js"</script>`},
		{name: "empty script", page: `<script></script>`, want: `<script ` + n + `></script>`},
		{name: "nonce replaced", page: `<script nonce="old">a()</script>`, want: `<script ` + n + `>a()</script>`},
		{name: "first nonce counts", page: `<style nonce=x nonce="` + fitNonce + `">p{}</style>`, want: `<style ` + n + `>p{}</style>`},
		{name: "script with src", page: `<script src="/app.js"></script>`, want: `<script src="/app.js"></script>`},
		{name: "data block", page: `<script type="application/ld+json">{}</script>`, want: `<script type="application/ld+json">{}</script>`},
		{name: "style", page: `<style>p{color:red}</style>`, want: `<style ` + n + `>p{color:red}</style>`},
		{name: "style in noscript", page: `<noscript><style>.js{display:none}</style></noscript>`, want: `<noscript><style ` + n + `>.js{display:none}</style></noscript>`},
		{name: "script in template", page: `<template><script>a()</script><p onclick="b()">x</p></template>`,
			want: `<template><script ` + n + `>a()</script><p onclick="b()">x</p></template>`, scriptAttr: []string{"b()"}},
		{name: "event handlers", page: `<button onclick="go(1)" ONMOUSEOVER='hi()'>x</button><img src=a.png onerror=go(1)>`,
			want: `<button onclick="go(1)" ONMOUSEOVER='hi()'>x</button><img src=a.png onerror=go(1)>`, scriptAttr: []string{"go(1)", "hi()"}},
		{name: "handler after a slash", page: `<img/onload="x()">`, want: `<img/onload="x()">`, scriptAttr: []string{"x()"}},
		{name: "style attributes", page: `<p style="color: red">a</p><div class=x style='margin:0'></div>`,
			want: `<p style="color: red">a</p><div class=x style='margin:0'></div>`, styleAttr: []string{"color: red", "margin:0"}},
		{name: "character references decoded", page: `<p onclick="a(&quot;x&quot;)" style="content:&#34;&#34;">`,
			want: `<p onclick="a(&quot;x&quot;)" style="content:&#34;&#34;">`, scriptAttr: []string{`a("x")`}, styleAttr: []string{`content:""`}},
		{name: "javascript URL", page: `<a href="javascript:void(0)">a</a><a href=" JavaScript:go(%22x%22)">b</a>`,
			want: `<a href="javascript:void(0)">a</a><a href=" JavaScript:go(%22x%22)">b</a>`, navigation: []string{"javascript:void(0)", `javascript:go("x")`}},
		{name: "attributes in noscript", page: `<noscript><div style="color:red" onclick="f()"></div></noscript>`,
			want: `<noscript><div style="color:red" onclick="f()"></div></noscript>`, scriptAttr: []string{"f()"}, styleAttr: []string{"color:red"}},
		{name: "words are not attributes", page: `<p title="turn on the style" data-one="1">x</p>`, want: `<p title="turn on the style" data-one="1">x</p>`},
		{name: "script text is not markup", page: `<script>document.write('<p onclick="x()">')</script>`,
			want: `<script ` + n + `>document.write('<p onclick="x()">')</script>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fitConfig()
			if got := rewriteString(t, tt.page, cfg); got != tt.want {
				t.Errorf("rewrote\n%s\nto\n%s\nwant\n%s", tt.page, got, tt.want)
			}
			sources := cfg.hashes.Sources()
			for _, c := range []struct {
				directive string
				code      []string
			}{
				{"script-src-attr", tt.scriptAttr},
				{"style-src-attr", tt.styleAttr},
				{"script-src", tt.navigation},
			} {
				var want []string
				if len(c.code) > 0 {
					want = []string{"'unsafe-hashes'"}
				}
				for _, code := range c.code {
					want = append(want, csp.Source(code))
				}
				if got := sources[c.directive]; !slices.Equal(got, want) {
					t.Errorf("%s: got %q, want the hashes of %q", c.directive, got, c.code)
				}
			}
		})
	}
}

// TestFitWithoutNonce checks that a response without a nonce, which has no
// policy of Noren's, keeps the page as it was.
func TestFitWithoutNonce(t *testing.T) {
	page := `<script>a()</script><style>p{}</style><p onclick="x()" style="color:red">`
	cfg := fitConfig()
	cfg.nonce, cfg.hashes = "", nil
	if got := rewriteString(t, page, cfg); got != page {
		t.Errorf("rewrote %q to %q", page, got)
	}
}

// TestBlockInlineCode checks that a site that blocks its inline code gets
// no nonce on its inline scripts and styles and no hashes of its
// attributes, while what Noren holds back keeps the nonce.
func TestBlockInlineCode(t *testing.T) {
	page := `<script>a()</script><style>p{}</style><p onclick="x()" style="color:red"><a href="javascript:go()">go</a>`
	cfg := fitConfig()
	cfg.fit = false
	if got := rewriteString(t, page, cfg); got != page {
		t.Errorf("rewrote %q to %q", page, got)
	}
	if sources := cfg.hashes.Sources(); len(sources) != 0 {
		t.Errorf("hashed %v", sources)
	}

	in, err := NewInjector(Options{Languages: []string{"en"}, DefaultLanguage: "en", BlockInlineCode: true})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if in.rewriteConfig(r, nil, fitNonce).fit {
		t.Error("BlockInlineCode does not reach the rewrite")
	}
}

// TestInlineRewriter checks that an inline rewriter sees each script's
// text before its start tag is written, may change the tag, and that
// scripts with src, in <noscript>, or cut off by the end of the page are
// handled in order.
func TestInlineRewriter(t *testing.T) {
	var seen []string
	cfg := fitConfig()
	cfg.startTags = []TagRewriter{{
		Tags:    []string{"script"},
		Rewrite: func(Page, *html.Token) (bool, string) { return false, "" },
		Inline: func(p Page, tok *html.Token, text string) bool {
			seen = append(seen, text)
			if !strings.Contains(text, "hold") {
				return false
			}
			tok.Attr = append(tok.Attr, html.Attribute{Key: "type", Val: "text/plain"}, html.Attribute{Key: "nonce", Val: p.Nonce})
			return true
		},
	}}
	page := `<head><script>one()</script><script src="/a.js"></script><noscript><script>no()</script></noscript>` +
		`<script>hold()</script><script></script></head><body><script>tail(`
	want := `<head><script ` + `nonce="` + fitNonce + `">one()</script><script src="/a.js"></script>` +
		`<noscript><script nonce="` + fitNonce + `">no()</script></noscript>` +
		`<script type="text/plain" nonce="` + fitNonce + `">hold()</script><script nonce="` + fitNonce + `"></script>` +
		`</head><body><script nonce="` + fitNonce + `">tail(`
	if got := rewriteString(t, page, cfg); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if w := []string{"one()", "hold()", "", "tail("}; !slices.Equal(seen, w) {
		t.Errorf("inline rewriter saw %q, want %q", seen, w)
	}
}

// TestHeadersCarryHashes serves pages through the Injector and checks that
// the policy sent names the hashes of the page's attributes, those found
// before the bound on what is held only.
func TestHeadersCarryHashes(t *testing.T) {
	late := `<p onclick="late()">`
	big := `<!DOCTYPE html><html><head><title>T</title></head><body><p onclick="early()" style="color:red">` +
		strings.Repeat("<p>filler</p>\n", (maxHeldPage+64<<10)/14) + late + `</body></html>`
	srv := wrapServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page := testPage
		if r.URL.Path == "/big" {
			page = big
		} else {
			page = strings.Replace(page, "<p>", `<p onclick="early()" style="color:red"><a href="javascript:void(0)">`, 1)
		}
		io.WriteString(w, page)
	}), testOptions())

	for _, path := range []string{"/small", "/big"} {
		resp, body := fetch(t, srv, http.MethodGet, path)
		policy := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{
			"script-src-attr 'unsafe-hashes' " + csp.Source("early()"),
			"style-src-attr 'unsafe-hashes' " + csp.Source("color:red"),
		} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s: policy %q lacks %q", path, policy, want)
			}
		}
		if path == "/big" {
			if strings.Contains(policy, csp.Source("late()")) || !strings.Contains(body, late) {
				t.Errorf("%s: an attribute past the bound is in the policy, or the page lost it", path)
			}
		} else if !strings.Contains(policy, "'unsafe-hashes' "+csp.Source("javascript:void(0)")) {
			t.Errorf("%s: policy %q lacks the javascript: URL", path, policy)
		}
	}
}

// FuzzFitInlineCode rewrites arbitrary pages for a response with a nonce
// and checks, on the page as a browser's tokenizer reads it, that every
// inline script that runs and every style carries the nonce and that the
// code of every event handler and style attribute is among the hashes the
// policy gets; and that without a nonce the page is left as it was.
func FuzzFitInlineCode(f *testing.F) {
	f.Add(`<script>a()</script><style nonce=x>p{}</style><p onclick="b()" style="c">`)
	f.Add(`<noscript><style>x</style><div onclick=y></div></noscript><template><script>z()</script></template>`)
	f.Add(`<a href=" javascript:void(0)">x</a><img/onerror=a><svg><a xlink:href="javascript:b()"></a></svg>`)
	f.Fuzz(func(t *testing.T, page string) {
		plain := fitConfig()
		plain.nonce, plain.hashes = "", nil
		if got := rewriteString(t, page, plain); got != page {
			t.Fatalf("without a nonce, rewrote %q to %q", page, got)
		}
		cfg := fitConfig()
		out := rewriteString(t, page, cfg)
		hashed := map[string]bool{}
		sources := cfg.hashes.Sources()
		for _, src := range slices.Concat(sources["script-src-attr"], sources["style-src-attr"]) {
			hashed[src] = true
		}
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			for _, a := range tok.Attr {
				if (a.Key == "style" || len(a.Key) > 2 && strings.HasPrefix(a.Key, "on")) && !hashed[csp.Source(a.Val)] {
					t.Fatalf("%s=%q is not hashed in %q", a.Key, a.Val, out)
				}
			}
			runs := tok.Data == "style" || tok.Data == "script" && !external(&tok) && scriptRuns(attr(&tok, "type"))
			if runs && attr(&tok, "nonce") != fitNonce {
				t.Fatalf("%s without the nonce in %q", tok, out)
			}
		}
	})
}
