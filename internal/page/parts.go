package page

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// marker opens the body of every page rendered in the chrome, and of no
// other page.
var marker = []byte(`<body class="noren-page">`)

// InChrome reports whether body is a page rendered in the chrome.
func InChrome(body []byte) bool { return bytes.Contains(body, marker) }

// Parts are what a page rendered in the chrome contributes when it is
// shown in a site's own layout instead. They are read back from the
// rendered page, by the marks that web/templates/layout.html describes.
type Parts struct {
	Lang  string
	Title string
	Home  string // the href of the link to the site's home page
	Head  []byte // <link rel="alternate"> elements
	Nav   []byte // the language switch and the navigation between Noren's pages
	Main  []byte // the content of <main>
	After []byte // the policy version
}

// ReadParts reads the parts of a page rendered in the chrome.
func ReadParts(body []byte) (Parts, error) {
	var p Parts
	z := html.NewTokenizer(bytes.NewReader(body))
	var (
		into  *[]byte // the piece being collected
		whole bool    // it keeps the start and end tags
		name  string  // of the element collected
		depth int
		title bool
		main  bool
	)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return p, err
			}
			break
		}
		raw := z.Raw()
		if into != nil {
			switch tt {
			case html.StartTagToken:
				if n, _ := z.TagName(); string(n) == name {
					depth++
				}
			case html.EndTagToken:
				if n, _ := z.TagName(); string(n) == name {
					if depth--; depth == 0 {
						if whole {
							*into = append(*into, raw...)
						}
						into = nil
						continue
					}
				}
			}
			*into = append(*into, raw...)
			continue
		}
		switch tt {
		case html.TextToken:
			if title {
				p.Title = html.UnescapeString(string(raw))
				title = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			class := attrValue(tok.Attr, "class")
			switch {
			case tok.DataAtom == atom.Html:
				p.Lang = attrValue(tok.Attr, "lang")
			case tok.DataAtom == atom.Title:
				title = true
			case tok.DataAtom == atom.Link && attrValue(tok.Attr, "rel") == "alternate":
				p.Head = append(p.Head, raw...)
			case tok.DataAtom == atom.A && hasClass(class, "page-header__site"):
				p.Home = attrValue(tok.Attr, "href")
			case tok.DataAtom == atom.Nav && (hasClass(class, "lang-switch") || hasClass(class, "page-nav")):
				p.Nav = append(p.Nav, raw...)
				into, whole, name, depth = &p.Nav, true, "nav", 1
			case tok.DataAtom == atom.Main && !main:
				main = true
				into, whole, name, depth = &p.Main, false, "main", 1
			case tok.DataAtom == atom.P && hasClass(class, "page-footer__version"):
				p.After = append(p.After, raw...)
				into, whole, name, depth = &p.After, true, "p", 1
			}
		}
	}
	if p.Lang == "" || !main {
		return p, errors.New("not a page of Noren's layout")
	}
	return p, nil
}

// WithHome returns body, the page p was read from, with its home link
// leading to home.
func (p Parts) WithHome(body []byte, home string) []byte {
	old := []byte(`<a class="page-header__site" href="` + html.EscapeString(p.Home) + `">`)
	return bytes.Replace(body, old, []byte(`<a class="page-header__site" href="`+html.EscapeString(home)+`">`), 1)
}

func hasClass(list, class string) bool {
	for c := range strings.FieldsSeq(list) {
		if c == class {
			return true
		}
	}
	return false
}

func attrValue(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}
