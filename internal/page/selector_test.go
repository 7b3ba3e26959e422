package page

import (
	"testing"

	"golang.org/x/net/html"
)

func TestSelectorMatches(t *testing.T) {
	// The open elements: html > body.page > div#wrap.a.b[role=main] > main[data-x]
	open := []openElement{
		{name: "html"},
		{name: "body", attrs: []html.Attribute{{Key: "class", Val: "page"}}},
		{name: "div", attrs: []html.Attribute{{Key: "id", Val: "wrap"}, {Key: "class", Val: "a b"}, {Key: "role", Val: "main"}}},
		{name: "main", attrs: []html.Attribute{{Key: "data-x", Val: ""}}},
	}
	tests := []struct {
		sel  string
		want bool
	}{
		{"main", true},
		{"MAIN", true},
		{"*", true},
		{"div", false},
		{"main[data-x]", true},
		{"main[data-x='']", true},
		{"main[data-y]", false},
		{"#wrap main", true},
		{"#wrap > main", true},
		{"body > main", false},
		{"body main", true},
		{"body.page div.a.b > main", true},
		{"div.a.c > main", false},
		{"html body div[role=main] main", true},
		{`div[role="main"]>main`, true},
		{"nav, main", true},
		{"nav, footer", false},
	}
	for _, tt := range tests {
		sel, err := parseSelector(tt.sel)
		if err != nil {
			t.Errorf("parseSelector(%q): %v", tt.sel, err)
			continue
		}
		if got := sel.matches(open); got != tt.want {
			t.Errorf("%q matches = %v, want %v", tt.sel, got, tt.want)
		}
	}
}

func TestParseSelectorRejects(t *testing.T) {
	for _, s := range []string{"", " ", "main >", "> main", "#", ".", "[x", "[=y]", "[x=]", `[x="y]`, "main,", "a:hover", "a ~ b", "a + b", "a a a a a a a a a"} {
		if _, err := parseSelector(s); err == nil {
			t.Errorf("parseSelector(%q) accepted it", s)
		}
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"main", "#content > .body main[role=main]", `div[data-x="a b"], nav`, "a  >b"} {
		f.Add(s)
	}
	open := []openElement{{name: "html"}, {name: "body"}, {name: "main", attrs: []html.Attribute{{Key: "id", Val: "c"}}}}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := parseSelector(s)
		if err != nil {
			return
		}
		if len(sel) == 0 {
			t.Fatalf("%q parsed to nothing", s)
		}
		sel.matches(open)
	})
}

func FuzzPrepareLayout(f *testing.F) {
	for _, s := range []string{
		`<html><head><title>t</title></head><body><main>x</main></body></html>`,
		`<main><script>x</script><main></main></main><iframe src=a></iframe>`,
		`<head><meta charset=utf-8><style>p{}</style><script src=/a.js></script></head><body><div id=c><main>`,
	} {
		f.Add(s)
	}
	sel, err := parseSelector("main")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, layout string) {
		d, err := prepareLayout([]byte(layout), "/a/b/", "ja", sel)
		if err != nil {
			return
		}
		if len(d.parts) != len(d.slots)+1 {
			t.Fatalf("%d parts for %d slots", len(d.parts), len(d.slots))
		}
		d.render(Parts{Lang: "ja", Title: "T", Main: []byte("<p>m</p>")}, "n")
	})
}
