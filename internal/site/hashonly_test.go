package site

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/csp"
	"golang.org/x/net/html"
)

// TestHashOnlyTagsMatchTokens checks that the attributes hashed as the
// tokenizer reads them (hashTagAttrs) give the policy the same sources, in
// the same order, as reading every tag whole into a Token does, and that
// the tags whose attributes the rewrite reads for something else keep
// working.
func TestHashOnlyTagsMatchTokens(t *testing.T) {
	pages := map[string]string{
		"handlers and styles": `<p onclick="track(this)" style="margin:0">a</p><p onclick="track(this)" style="margin:0">b</p>` +
			`<img src=x onerror='fallback()'><div ONMOUSEOVER="hover()" STYLE="color: red">c</div>`,
		"references and newlines": `<p onclick="say(&quot;hi&quot;)" style="content:&#39;&amp;&#39;">a</p>` +
			"<p style=\"a:b;\r\nc:d\">b</p>",
		"repeated attributes":  `<p style="first" style="second" onclick="x()" onclick="y()">a</p>`,
		"javascript links":     `<a href=" javascript:void(0)" onclick="go()">a</a><svg><a xlink:href="javascript:b()" style="s"></a></svg>`,
		"link to a PDF":        `<a href="/files/a.pdf" onclick="count()">PDF</a>`,
		"html lang":            `<html lang="ja" onload="start()"><body style="margin:0"><p>x</p></body></html>`,
		"footer mark":          `<div data-noren-footer style="padding:1em"></div><p onclick="z()">z</p>`,
		"NUL in a value":       "<p onclick=\"a(\x00)\" style=\"b\x00\">x</p>",
		"unquoted and spacing": `<p onclick = go() style=color:blue>x</p><p/onclick="slash()">y</p>`,
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			cfg := fitConfig()
			cfg.fileSize = func(string) (int64, bool) { return 2048, true }
			out := rewriteString(t, page, cfg)
			want := &csp.Hashes{}
			z := html.NewTokenizer(strings.NewReader(page))
			for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
				if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
					tok := z.Token()
					hashAttrs(want, &tok)
				}
			}
			got, wantSources := cfg.hashes.Sources(), want.Sources()
			for _, d := range slices.Sorted(maps.Keys(wantSources)) {
				if !slices.Equal(got[d], wantSources[d]) {
					t.Errorf("%s: %q, want %q", d, got[d], wantSources[d])
				}
			}
			if len(got) != len(wantSources) {
				t.Errorf("directives %q, want %q", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(wantSources)))
			}
			if strings.Contains(page, ".pdf") && !strings.Contains(out, "(PDF, 2 KB)") {
				t.Errorf("the link to a PDF lost its note: %s", out)
			}
			if strings.Contains(page, "data-noren-footer") && !strings.Contains(out, "data-noren-footer") {
				t.Errorf("the footer mark is gone: %s", out)
			}
		})
	}
}

// FuzzHashOnlyTags checks on any page that hashing attributes as the
// tokenizer reads them gives the same page and the same policy sources as
// reading every tag whole, which a tag rewriter wanting every tag forces.
func FuzzHashOnlyTags(f *testing.F) {
	f.Fuzz(func(t *testing.T, page string) {
		fast := fitConfig()
		fast.fileSize = func(string) (int64, bool) { return 2048, true }
		gotPage := rewriteString(t, page, fast)

		whole := fitConfig()
		whole.fileSize = fast.fileSize
		names := map[string]bool{}
		for _, tag := range []string{"a", "html", "body", "p", "div"} {
			names[tag] = true
		}
		z := html.NewTokenizer(strings.NewReader(page))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				name, _ := z.TagName()
				names[string(name)] = true
			}
		}
		whole.startTags = []TagRewriter{{
			Tags:    slices.Sorted(maps.Keys(names)),
			Rewrite: func(Page, *html.Token) (bool, string) { return false, "" },
		}}
		wantPage := rewriteString(t, page, whole)
		if gotPage != wantPage {
			t.Fatalf("page %q\nrewritten to %q\nread whole %q", page, gotPage, wantPage)
		}
		got, want := fast.hashes.Sources(), whole.hashes.Sources()
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("page %q: sources %q, read whole %q", page, got, want)
		}
	})
}
