package markdown

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Block
	}{
		{
			"heading with id",
			"## Purposes {#purposes}",
			[]Block{{Kind: Heading, Level: 2, ID: "purposes", Text: "Purposes"}},
		},
		{
			"heading with an invalid id keeps the text",
			"# Title {#a b}",
			[]Block{{Kind: Heading, Level: 1, Text: "Title {#a b}"}},
		},
		{
			"seven hashes are text",
			"####### x",
			[]Block{{Kind: Paragraph, Text: "####### x"}},
		},
		{
			"paragraphs split at blank lines",
			"one\ntwo\n\nthree",
			[]Block{{Kind: Paragraph, Text: "one\ntwo"}, {Kind: Paragraph, Text: "three"}},
		},
		{
			"lists",
			"- a\n- b\n\n1. x\n2. y",
			[]Block{{Kind: List, Items: []string{"a", "b"}}, {Kind: List, Ordered: true, Items: []string{"x", "y"}}},
		},
		{
			"a list ends a paragraph",
			"intro\n- a",
			[]Block{{Kind: Paragraph, Text: "intro"}, {Kind: List, Items: []string{"a"}}},
		},
		{
			"table with caption",
			"Table: Cookies\n| Name | Use |\n| --- | :---: |\n| `_ga` | a \\| b |\n| short |",
			[]Block{{Kind: Table, Caption: "Cookies", Header: []string{"Name", "Use"},
				Rows: [][]string{{"`_ga`", `a \| b`}, {"short", ""}}}},
		},
		{
			"caption line without a table is text",
			"Table: nothing follows",
			[]Block{{Kind: Paragraph, Text: "Table: nothing follows"}},
		},
		{
			"pipe line without delimiter row is text",
			"| a | b |\nnot a delimiter",
			[]Block{{Kind: Paragraph, Text: "| a | b |\nnot a delimiter"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.src); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestInline(t *testing.T) {
	tests := []struct{ src, want string }{
		{"plain & <simple>", "plain &amp; &lt;simple&gt;"},
		{`\*not strong\* \[x\]`, "*not strong* [x]"},
		{"**strong** text", "<strong>strong</strong> text"},
		{"a `co<de>` b", "a <code>co&lt;de&gt;</code> b"},
		{"`` a`b ``", "<code>a`b</code>"},
		{"`a\\|b`", "<code>a|b</code>"},
		{"[policy](/en/privacy)", `<a href="/en/privacy">policy</a>`},
		{"[x](#top)", `<a href="#top">x</a>`},
		{"[bad](javascript:alert(1))", "bad)"},
		{"[proto-relative](//evil.example)", "proto-relative"},
		{"<https://example.jp/a?b=1&c=2>", `<a href="https://example.jp/a?b=1&amp;c=2">https://example.jp/a?b=1&amp;c=2</a>`},
		{"<mailto:a@example.jp>", `<a href="mailto:a@example.jp">a@example.jp</a>`},
		{"<javascript:alert(1)>", "&lt;javascript:alert(1)&gt;"},
		{"[**b** and [n](/x)](/y)", `<a href="/y"><strong>b</strong> and [n](/x)</a>`},
		{"unclosed **strong and `code", "unclosed **strong and `code"},
		{`say "hi"`, `say "hi"`},
	}
	for _, tt := range tests {
		if got := Inline(tt.src); got != tt.want {
			t.Errorf("Inline(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	if got := PlainText("**Cookie** policy of [Example \\[x\\]](https://e.jp) `c`"); got != "Cookie policy of Example [x] c" {
		t.Errorf("PlainText = %q", got)
	}
}

func TestHTML(t *testing.T) {
	src := "# Title\n\nLead.\n\n## Part {#part}\n\n- one\n\nTable: Things\n| A | B |\n| --- | --- |\n| x | y |\n\n| C |\n| --- |\n| z |\n"
	var r Renderer
	got := r.HTML(Parse(src))
	want := `<h1>Title</h1>
<p>Lead.</p>
<h2 id="part">Part</h2>
<ul>
<li>one</li>
</ul>
<div class="table-scroll" role="region" tabindex="0" aria-labelledby="table-1">
<table>
<caption id="table-1">Things</caption>
<thead>
<tr><th scope="col">A</th><th scope="col">B</th></tr>
</thead>
<tbody>
<tr><th scope="row">x</th><td>y</td></tr>
</tbody>
</table>
</div>
<div class="table-scroll">
<table>
<thead>
<tr><th scope="col">C</th></tr>
</thead>
<tbody>
<tr><th scope="row">z</th></tr>
</tbody>
</table>
</div>
`
	if got != want {
		t.Errorf("HTML:\n%s\nwant:\n%s", got, want)
	}
	// A second call continues the numbering, so ids stay unique on a page
	// rendered in parts.
	if again := r.HTML(Parse("Table: More\n| A |\n| --- |\n| x |")); !strings.Contains(again, `id="table-3"`) {
		t.Errorf("second call did not continue the table numbering:\n%s", again)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Names, email address: for contact", "Names, email address: for contact"},
		{"氏名、メールアドレス：ご連絡のため", "氏名、メールアドレス：ご連絡のため"},
		{"# not a heading", `\# not a heading`},
		{"- not a list", `\- not a list`},
		{"1. not a list", `1\. not a list`},
		{"2026.1 is a version", "2026.1 is a version"},
		{"a | b", `a \| b`},
		{"_ga and *x* [y](z) <b> {#id}", `\_ga and \*x\* \[y\](z) \<b\> \{#id\}`},
		{"AT&T &amp; co", `AT&T \&amp; co`},
		{"line one\nline two", "line one line two"},
		{"一行目\n二行目", "一行目二行目"},
		{"  padded  ", "padded"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeAndLinks(t *testing.T) {
	tests := []struct{ got, want string }{
		{Code("_ga"), "`_ga`"},
		{Code("a`b"), "``a`b``"},
		{Code("`x"), "`` `x ``"},
		{Code("a|b"), "`a\\|b`"},
		{Link("Opt out [here]", "https://e.jp/a b(c)"), `[Opt out \[here\]](https://e.jp/a%20b%28c%29)`},
		{Autolink("https://e.jp/x|y"), "<https://e.jp/x%7Cy>"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for _, s := range []string{"_ga", "a`b", "`x", "a|b", " x "} {
		if got := PlainText(Code(s)); got != strings.TrimSpace(s) && got != s {
			t.Errorf("PlainText(Code(%q)) = %q", s, got)
		}
	}
}

// FuzzEscape checks that escaped text, wherever a template puts it on a
// line of its own, reads back as exactly the text: one paragraph, no markup.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "# h", "- l", "1. n", "| t |", "Table: x", "**b** `c` [l](u) <https://x>", "a\\b", "&amp;", "氏名\n住所"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := oneLine(s)
		esc := Escape(s)
		if strings.ContainsAny(esc, "\n\r") {
			t.Fatalf("Escape(%q) = %q spans lines", s, esc)
		}
		blocks := Parse(esc)
		if want == "" {
			if len(blocks) != 0 {
				t.Fatalf("Escape(%q) = %q parses as %#v", s, esc, blocks)
			}
			return
		}
		if len(blocks) != 1 || blocks[0].Kind != Paragraph {
			t.Fatalf("Escape(%q) = %q parses as %#v, want one paragraph", s, esc, blocks)
		}
		// Parse trims the line, as any Markdown reader does.
		if got := PlainText(blocks[0].Text); got != strings.Trim(want, " \t") {
			t.Fatalf("Escape(%q) = %q reads back as %q, want %q", s, esc, got, want)
		}
		if got := Inline(esc); got != escapeHTML(strings.Trim(want, " \t")) {
			t.Fatalf("Escape(%q) renders as %q, want the text alone", s, got)
		}
	})
}

// allowed lists the elements the renderer may produce, with their
// attributes.
var allowed = map[string][]string{
	"h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
	"p": nil, "ul": nil, "ol": nil, "li": nil, "strong": nil, "code": nil, "a": {"href"},
	"div": {"class", "role", "tabindex", "aria-labelledby"}, "table": nil, "caption": {"id"},
	"thead": nil, "tbody": nil, "tr": nil, "th": {"scope"}, "td": nil,
}

// FuzzHTML checks that any input renders to HTML made only of the
// renderer's own elements and attributes, with safe link targets.
func FuzzHTML(f *testing.F) {
	f.Add("# T {#t}\n\npara **b** [l](/x) <https://e.jp>\n\n- a\n1. b\n\nTable: c\n| a | b |\n| - | - |\n| `x` | y |")
	f.Add("<script>alert(1)</script>\n[x](javascript:alert(1))")
	f.Add("[a](\"onmouseover=x)\n<https://e.jp/\"onclick=x>")
	f.Fuzz(func(t *testing.T, src string) {
		var r Renderer
		out := r.HTML(Parse(src))
		nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attrs, ok := allowed[n.Data]
				if !ok {
					t.Fatalf("element <%s> in output of %q:\n%s", n.Data, src, out)
				}
				for _, a := range n.Attr {
					if !contains(attrs, a.Key) {
						t.Fatalf("attribute %s on <%s> in output of %q:\n%s", a.Key, n.Data, src, out)
					}
					if a.Key == "href" && !safeURL(a.Val) {
						t.Fatalf("unsafe link %q in output of %q", a.Val, src)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		for _, n := range nodes {
			walk(n)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
