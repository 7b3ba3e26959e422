package results

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"sync"

	xhtml "golang.org/x/net/html"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/site"
)

// boxFile holds the search box partial within a template tree.
const boxFile = "templates/search/box.html"

// BoxMark is the attribute that marks where a site's page wants the
// search box: as the first content of the element that carries it.
const BoxMark = "data-noren-search-box"

// boxTags are the elements that may carry BoxMark; the first <header> of
// a page takes the box when no mark comes before it.
var boxTags = []string{"header", "div", "nav", "section", "aside", "search", "span", "p", "li", "main", "footer"}

// Box renders the search box partial in lang, as the site's pages get it
// and as operators may paste it into their own templates, followed by its
// stylesheet and script.
type Box struct {
	tmpl *template.Template
	mu   sync.Mutex
	html map[string]string // by language
}

// NewBox parses the search box partial of fsys, templates/search/box.html,
// as web.Templates lays it out.
func NewBox(fsys fs.FS) (*Box, error) {
	t, err := template.New("box").Funcs(i18n.Default().Funcs()).ParseFS(fsys, boxFile)
	if err != nil {
		return nil, fmt.Errorf("search box: parse %s: %w", boxFile, err)
	}
	return &Box{tmpl: t, html: map[string]string{}}, nil
}

// HTML is the box in lang with the stylesheet and the script that shows
// results as a visitor types; nonce, when not "", marks the script for
// the page's Content-Security-Policy.
//
// Operators who write the box into their own templates paste the same
// markup: the form of box.html, <link rel="stylesheet"
// href="/noren/search.css"> and <script src="/noren/search.js" defer>.
func (b *Box) HTML(lang, nonce string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.html[lang]
	if !ok {
		var buf bytes.Buffer
		if err := b.tmpl.ExecuteTemplate(&buf, "search_box", struct{ Lang string }{lang}); err != nil {
			return "", fmt.Errorf("search box %s: %w", lang, err)
		}
		buf.WriteString(`<link rel="stylesheet" href="` + StylePath + `">`)
		h = buf.String()
		b.html[lang] = h
	}
	script := `<script src="` + ScriptPath + `" defer`
	if nonce != "" {
		script += ` nonce="` + template.HTMLEscapeString(nonce) + `"`
	}
	return h + script + "></script>", nil
}

// Rewriter returns the tag rewriter that inserts the box into each page a
// site serves, in the page's language, once: as the first content of the
// first element marked with BoxMark (on a <header>, <div>, <nav>,
// <section>, <aside>, <search>, <span>, <p>, <li>, <main> or <footer>),
// or else just before the end of the page's first <header>, so that it
// follows what the header shows first, such as the site's name. A mark
// inside that header or before it takes the box; a mark after the header
// is ignored, since the header already has it. Elements inside <template>
// or <noscript> neither take the box nor count as the first header.
func (b *Box) Rewriter() site.TagRewriter {
	return site.TagRewriter{
		Tags: boxTags,
		Maybe: func(raw []byte) bool {
			return hasPrefixFold(raw, "<header") || containsFold(raw, BoxMark)
		},
		NewState: func() any { return new(boxState) },
		Rewrite: func(p site.Page, tok *xhtml.Token) (bool, string) {
			if p.Inert {
				return false, ""
			}
			s := p.State.(*boxState)
			first := tok.Data == "header" && !s.header
			s.header = s.header || tok.Data == "header"
			// End comes for every element seen here, innermost first.
			s.open = append(s.open, first)
			if s.done || !hasAttr(tok, BoxMark) {
				return false, ""
			}
			return false, b.insert(p, s)
		},
		End: func(p site.Page) string {
			s := p.State.(*boxState)
			first := s.open[len(s.open)-1]
			s.open = s.open[:len(s.open)-1]
			if !first || s.done {
				return ""
			}
			return b.insert(p, s)
		},
	}
}

// boxState is what the box rewriter knows of one page.
type boxState struct {
	done   bool   // the page has its box
	header bool   // the page's first <header> has begun
	open   []bool // for each open element seen, whether it is the first <header>
}

// insert returns the box for p and notes that the page has it, or ""
// when it cannot be rendered.
func (b *Box) insert(p site.Page, s *boxState) string {
	h, err := b.HTML(p.Lang, p.Nonce)
	if err != nil {
		return ""
	}
	s.done = true
	return h
}

func hasAttr(tok *xhtml.Token, key string) bool {
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether b begins with the lower-case ASCII string
// s in any case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && bytes.EqualFold(b[:len(s)], []byte(s)) &&
		(len(b) == len(s) || strings.IndexByte(" \t\n\r\f/>", b[len(s)]) >= 0)
}

// containsFold reports whether b contains the lower-case ASCII string s
// in any case, without allocating: it runs on most <div> and <p> tags of
// every page.
func containsFold(b []byte, s string) bool {
next:
	for i := 0; i+len(s) <= len(b); i++ {
		for j := 0; j < len(s); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != s[j] {
				continue next
			}
		}
		return true
	}
	return false
}
