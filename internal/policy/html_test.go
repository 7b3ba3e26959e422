package policy

import (
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func parsePage(t testing.TB, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("page does not parse: %v", err)
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func elements(root *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	walk(root, func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == a {
			out = append(out, n)
		}
	})
	return out
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// visibleText is the text of a page's body, its text nodes joined with
// spaces.
func visibleText(t testing.TB, page string) string {
	t.Helper()
	body := elements(parsePage(t, page), atom.Body)
	if len(body) != 1 {
		t.Fatal("page has no body")
	}
	var parts []string
	walk(body[0], func(n *html.Node) {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			parts = append(parts, n.Data)
		}
	})
	return strings.Join(parts, " ")
}

// checkPage checks what every page Noren renders must have: the language,
// one h1, a skip link to the main landmark, headings in order, tables with
// captions and scoped headers, unique ids and working in-page links, and
// no inline script or style.
func checkPage(t *testing.T, page, lang string) {
	t.Helper()
	doc := parsePage(t, page)

	htmls := elements(doc, atom.Html)
	if got, _ := attr(htmls[0], "lang"); got != lang {
		t.Errorf("<html lang=%q>, want %q", got, lang)
	}
	if titles := elements(doc, atom.Title); len(titles) != 1 || strings.TrimSpace(textOf(titles[0])) == "" {
		t.Error("page has no title")
	}
	if h1 := elements(doc, atom.H1); len(h1) != 1 {
		t.Errorf("page has %d h1 elements, want 1", len(h1))
	}
	mains := elements(doc, atom.Main)
	if len(mains) != 1 {
		t.Fatalf("page has %d main elements, want 1", len(mains))
	}
	if id, _ := attr(mains[0], "id"); id != "main" {
		t.Errorf("main has id %q, want main", id)
	}
	links := elements(elements(doc, atom.Body)[0], atom.A)
	if len(links) == 0 {
		t.Fatal("page has no links")
	}
	if href, _ := attr(links[0], "href"); href != "#main" {
		t.Errorf("the first link goes to %q, want a skip link to #main", href)
	}

	ids := map[string]bool{}
	level := 1
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if id, ok := attr(n, "id"); ok {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
		for _, a := range n.Attr {
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has an inline %s attribute", n.Data, a.Key)
			}
		}
		switch n.DataAtom {
		case atom.Script, atom.Style:
			t.Errorf("page has a <%s> element", n.Data)
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			l := int(n.Data[1] - '0')
			if l > level+1 {
				t.Errorf("heading %q (h%d) follows an h%d", textOf(n), l, level)
			}
			level = l
		case atom.Table:
			first := n.FirstChild
			for first != nil && first.Type != html.ElementNode {
				first = first.NextSibling
			}
			if first == nil || first.DataAtom != atom.Caption || strings.TrimSpace(textOf(first)) == "" {
				t.Errorf("a table has no caption")
			}
		case atom.Th:
			if s, _ := attr(n, "scope"); s != "col" && s != "row" {
				t.Errorf("header cell %q has scope %q", textOf(n), s)
			}
		}
	})
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, key := range []string{"href", "aria-labelledby"} {
			v, ok := attr(n, key)
			if !ok {
				continue
			}
			if key == "href" {
				if !strings.HasPrefix(v, "#") {
					continue
				}
				v = v[1:]
			}
			if !ids[v] {
				t.Errorf("%s=%q points to no element", key, v)
			}
		}
	})
	for _, l := range elements(doc, atom.Link) {
		if rel, _ := attr(l, "rel"); rel == "alternate" {
			if _, ok := attr(l, "hreflang"); !ok {
				t.Error("alternate link without hreflang")
			}
		}
	}
}

func TestDocumentPages(t *testing.T) {
	for name, m := range map[string]*manifest.Manifest{"demo": demoManifest(t), "full": fullManifest(t), "minimal": parseManifest(t, "minimal", minimalYAML), "business": businessTestManifest(t)} {
		for _, lang := range m.Languages {
			for _, doc := range []Document{Privacy, Cookies} {
				t.Run(name+"/"+string(doc)+"/"+lang, func(t *testing.T) {
					page := renderString(t, m, lang, doc, HTML)
					checkPage(t, page, lang)
				})
			}
		}
	}
}

func TestPrivacyPageHasContents(t *testing.T) {
	page := renderString(t, fullManifest(t), "en", Privacy, HTML)
	doc := parsePage(t, page)
	var toc *html.Node
	walk(doc, func(n *html.Node) {
		if n.DataAtom == atom.Nav {
			if c, _ := attr(n, "class"); c == "toc" {
				toc = n
			}
		}
	})
	if toc == nil {
		t.Fatal("no table of contents")
	}
	var h2 []string
	walk(doc, func(n *html.Node) {
		if n.DataAtom == atom.H2 {
			if id, _ := attr(n, "id"); id != "" && id != "toc-title" {
				h2 = append(h2, "#"+id)
			}
		}
	})
	var entries []string
	for _, a := range elements(toc, atom.A) {
		href, _ := attr(a, "href")
		entries = append(entries, href)
	}
	if strings.Join(entries, " ") != strings.Join(h2, " ") {
		t.Errorf("contents %v, sections %v", entries, h2)
	}
}
