package site

import (
	"testing"

	"golang.org/x/net/html"
)

// endMarker is a tag rewriter that writes <!--/id--> as the last content
// of each <section> and <div>, id being the element's id attribute, and
// counts the pages it kept state for in *pages.
func endMarker(pages *int) TagRewriter {
	type state struct{ open []string }
	return TagRewriter{
		Tags: []string{"section", "div", "img"},
		NewState: func() any {
			*pages++
			return new(state)
		},
		Rewrite: func(p Page, tok *html.Token) (bool, string) {
			if !p.Inert {
				s := p.State.(*state)
				s.open = append(s.open, attr(tok, "id"))
			}
			return false, ""
		},
		End: func(p Page) string {
			s := p.State.(*state)
			id := s.open[len(s.open)-1]
			s.open = s.open[:len(s.open)-1]
			return "<!--/" + id + "-->"
		},
	}
}

func TestTagRewriterEnd(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "nested same-named elements",
			in:   `<body><section id=a><section><p>x</p></section><SECTION id=b>y</SECTION></section></body>`,
			want: `<!--HEAD--><body><section id=a><section><p>x</p><!--/--></section><SECTION id=b>y<!--/b--></SECTION><!--/a--></section><!--FOOT--></body>`,
		},
		{
			name: "other elements between",
			in:   `<body><div id=a><p><div id=b></div></p></div></body>`,
			want: `<!--HEAD--><body><div id=a><p><div id=b><!--/b--></div></p><!--/a--></div><!--FOOT--></body>`,
		},
		{
			name: "an end tag closes the elements opened since",
			in:   `<body><section id=a><div id=b>x</section></div></body>`,
			want: `<!--HEAD--><body><section id=a><div id=b>x<!--/b--><!--/a--></section></div><!--FOOT--></body>`,
		},
		{
			name: "left open until </body>",
			in:   `<body><section id=a><div id=b>x</body></html>`,
			want: `<!--HEAD--><body><section id=a><div id=b>x<!--/b--><!--/a--><!--FOOT--></body></html>`,
		},
		{
			name: "left open until the end",
			in:   `<p>t<div id=a>x`,
			want: `<!--HEAD--><p>t<div id=a>x<!--/a--><!--FOOT-->`,
		},
		{
			name: "template content",
			in:   `<body><template><div id=t><section id=u></section></div></template><div id=a><template><div></div></template></div></body>`,
			want: `<!--HEAD--><body><template><div id=t><section id=u></section></div></template><div id=a><template><div></div></template><!--/a--></div><!--FOOT--></body>`,
		},
		{
			name: "noscript markup",
			in:   `<body><noscript><div id=n>x</div></noscript><div id=a></div></body>`,
			want: `<!--HEAD--><body><noscript><div id=n>x</div></noscript><div id=a><!--/a--></div><!--FOOT--></body>`,
		},
		{
			name: "void and self-closing elements",
			in:   `<body><img id=i><div id="a"/>x</div></body>`,
			want: `<!--HEAD--><body><img id=i><div id="a"/>x<!--/a--></div><!--FOOT--></body>`,
		},
		{
			name: "end tag without its element",
			in:   `<body></section><div id=a></div></div></body>`,
			want: `<!--HEAD--><body></section><div id=a><!--/a--></div></div><!--FOOT--></body>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := 0
			cfg := markerConfig("/")
			cfg.startTags = []TagRewriter{endMarker(&pages)}
			if got := rewriteString(t, tt.in, cfg); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if pages != 1 {
				t.Errorf("NewState called %d times, want 1", pages)
			}
		})
	}
}

// TestTagRewriterStatePerPage checks that each page a rewriter sees gets
// state of its own, and that pages without its tags make none.
func TestTagRewriterStatePerPage(t *testing.T) {
	pages := 0
	cfg := markerConfig("/")
	cfg.startTags = []TagRewriter{endMarker(&pages)}
	for _, page := range []string{`<div id=a>`, `<p>no candidates</p>`, `<div id=b></div>`} {
		rewriteString(t, page, cfg)
	}
	if pages != 2 {
		t.Errorf("NewState called %d times, want 2", pages)
	}
}
