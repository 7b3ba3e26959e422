package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/noren-web/noren/internal/htmlsyntax"
	"github.com/noren-web/noren/internal/scan/verdict"
)

// checkDocument reads a report's HTML and lists what breaks the rules of
// a self-contained, accessible document: tags that do not nest, anything
// that runs or loads (scripts, images, styles or links elsewhere, event
// attributes), duplicate IDs and references to missing ones, headings that
// skip a level, and tables without a caption or with headers without a
// scope.
func checkDocument(doc []byte) []string {
	var (
		problems []string
		stack    []atom.Atom
		ids      = make(map[string]int)
		refs     []string
		heading  int
		// tableFirst is set after a table's start tag, until its first
		// child element shows whether it is the caption.
		tableFirst bool
		inStyle    bool
	)
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	z := html.NewTokenizer(bytes.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				fail("tokenizer: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			a := tok.DataAtom
			if tableFirst {
				if a != atom.Caption {
					fail("a table starts with <%s>, not its caption", tok.Data)
				}
				tableFirst = false
			}
			switch a {
			case atom.Script, atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.Link, atom.Base, atom.Form,
				atom.Audio, atom.Video, atom.Source, atom.Svg, atom.Picture, atom.Frame, atom.Input:
				fail("element <%s> in a report that must neither run nor load anything", tok.Data)
			case atom.Table:
				tableFirst = true
			case atom.Th:
				if attr(tok, "scope") == "" {
					fail("<th> without scope")
				}
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				level := int(tok.Data[1] - '0')
				if level > heading+1 {
					fail("<%s> follows <h%d>", tok.Data, heading)
				}
				heading = level
			case atom.Style:
				inStyle = true
			}
			if a == 0 {
				fail("unknown element <%s>", tok.Data)
			}
			for _, at := range tok.Attr {
				switch {
				case strings.HasPrefix(at.Key, "on"), at.Key == "src", at.Key == "srcset", at.Key == "action", at.Key == "style":
					fail("<%s %s=%q>", tok.Data, at.Key, at.Val)
				case at.Key == "href":
					if !strings.HasPrefix(at.Val, "#") {
						fail("<%s href=%q> leads out of the document", tok.Data, at.Val)
					}
					refs = append(refs, strings.TrimPrefix(at.Val, "#"))
				case at.Key == "id":
					ids[at.Val]++
				case at.Key == "aria-labelledby" || at.Key == "aria-describedby":
					refs = append(refs, strings.Fields(at.Val)...)
				}
			}
			if tt == html.StartTagToken && !htmlsyntax.Void(a) {
				stack = append(stack, a)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.DataAtom {
				open := "nothing"
				if len(stack) > 0 {
					open = "<" + stack[len(stack)-1].String() + ">"
				}
				fail("</%s> closes %s", tok.Data, open)
				continue
			}
			stack = stack[:len(stack)-1]
			if tok.DataAtom == atom.Style {
				inStyle = false
			}
		case html.TextToken:
			if inStyle {
				css := strings.ToLower(tok.Data)
				for _, bad := range []string{"url(", "@import", "@font-face", "</"} {
					if strings.Contains(css, bad) {
						fail("the style sheet holds %q", bad)
					}
				}
			}
		}
	}
	if len(stack) > 0 {
		fail("elements left open: %v", stack)
	}
	for id, n := range ids {
		if n > 1 {
			fail("id %q is used %d times", id, n)
		}
	}
	for _, ref := range refs {
		if ids[ref] == 0 {
			fail("a reference to the missing id %q", ref)
		}
	}
	return problems
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestHTMLDocument checks the structure of the report in the shapes it
// takes: full, hostile, clean and without observations, and empty.
func TestHTMLDocument(t *testing.T) {
	clean := sampleReport()
	clean.Findings, clean.Violations, clean.Warnings, clean.Observations = nil, 0, 0, nil
	tests := []struct {
		name string
		r    *verdict.Report
	}{
		{"sample", sampleReport()},
		{"hostile", hostileReport()},
		{"clean", clean},
		{"empty", &verdict.Report{Schema: verdict.Schema}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteHTML(&b, tt.r); err != nil {
				t.Fatal(err)
			}
			for _, p := range checkDocument(b.Bytes()) {
				t.Error(p)
			}
			if !bytes.HasPrefix(b.Bytes(), []byte("<!DOCTYPE html>\n<html lang=\"ja\">")) {
				t.Errorf("the document starts %.40q", b.String())
			}
			for _, lang := range []string{"ja", "en"} {
				if !bytes.Contains(b.Bytes(), []byte(`<section class="report" lang="`+lang+`" id="`+lang+`">`)) {
					t.Errorf("no section in %s", lang)
				}
				if !bytes.Contains(b.Bytes(), []byte(`href="#`+lang+`"`)) {
					t.Errorf("no link to the %s section", lang)
				}
			}
		})
	}
}

// TestCheckDocument checks that the structure check catches what it is
// for, so that a passing TestHTMLDocument means something.
func TestCheckDocument(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{`<p><b>x</p></b>`, "</p> closes <b>"},
		{`<script>1</script>`, "element <script>"},
		{`<a href="https://e.example/">x</a>`, "leads out of the document"},
		{`<p onclick="x">x</p>`, "onclick"},
		{`<h1>a</h1><h3>b</h3>`, "<h3> follows <h1>"},
		{`<table><tr><td>x</td></tr></table>`, "not its caption"},
		{`<table><caption>c</caption><tr><th>x</th></tr></table>`, "without scope"},
		{`<p id="a">1</p><p id="a">2</p>`, `id "a" is used 2 times`},
		{`<div aria-labelledby="nope">x</div>`, `missing id "nope"`},
		{`<style>body { background: url(https://e.example/x.png) }</style>`, `"url("`},
		{`<div>x`, "left open"},
	}
	for _, tt := range tests {
		got := strings.Join(checkDocument([]byte(tt.doc)), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("checkDocument(%q) = %q, want a problem with %q", tt.doc, got, tt.want)
		}
	}
	if p := checkDocument([]byte(`<h1 id="t">t</h1><h2>a</h2><table><caption id="c">c</caption><tr><th scope="col">x</th></tr></table><a href="#t">t</a>`)); len(p) > 0 {
		t.Errorf("a sound document: %q", p)
	}
}

// TestHostileReportEscaped checks that texts from a scanned site cannot
// become markup or a link in the report, however they are written.
func TestHostileReportEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, hostileReport()); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, bad := range []string{"<script", "<img", "</style><", "javascript:alert(3)//\"", "href=\"javascript"} {
		if strings.Contains(doc, bad) {
			t.Errorf("the report holds %q unescaped", bad)
		}
	}
	for _, want := range []string{"&#34;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "&lt;/style&gt;&lt;script&gt;alert(2)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks the escaped %q", want)
		}
	}
	var j bytes.Buffer
	if err := WriteJSON(&j, hostileReport()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `"version": "\"><script>alert('x')</script><img src=x onerror=alert(1)>"`) {
		t.Error("the JSON report does not keep a hostile text as it came, quoted")
	}
}
