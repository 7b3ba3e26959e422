package page

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/noren-web/noren/internal/csp"
	"github.com/noren-web/noren/internal/htmlsyntax"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dressing is a layout page prepared to receive Noren's pages: literal
// pieces of the page, with a slot between each two.
type dressing struct {
	parts []string
	slots []slot // slots[i] follows parts[i]
	// version identifies the prepared layout, for ETags.
	version string
	// csp are the sources, by directive, that the policy of a dressed
	// response needs for the layout's style attributes, which no nonce
	// admits.
	csp map[string][]string
}

// slot is a place in a dressing that each of Noren's pages fills.
type slot int

const (
	slotTitle   slot = iota // the text of <title>
	slotHead                // Noren's stylesheet and alternate links, before </head>
	slotNonce               // the response's CSP nonce, in a script or style tag
	slotContent             // Noren's page, as the content of the main element
)

// render fills the dressing with Noren's page np.
func (d *dressing) render(np Parts, nonce string) []byte {
	var b bytes.Buffer
	for i, part := range d.parts {
		b.WriteString(part)
		if i >= len(d.slots) {
			continue
		}
		switch d.slots[i] {
		case slotTitle:
			b.WriteString(html.EscapeString(np.Title))
		case slotHead:
			b.WriteString(`<link rel="stylesheet" href="/noren/noren.css">`)
			b.Write(np.Head)
		case slotNonce:
			b.WriteString(html.EscapeString(nonce))
		case slotContent:
			b.WriteString(`<div class="noren-page noren-embedded">`)
			b.Write(np.Nav)
			b.WriteString(`<div class="noren-embedded__main">`)
			b.Write(np.Main)
			b.WriteString(`</div>`)
			b.Write(np.After)
			b.WriteString(`</div>`)
		}
	}
	return b.Bytes()
}

// layoutBuilder prepares a dressing from a layout page.
type layoutBuilder struct {
	d   dressing
	cur strings.Builder

	base *url.URL // the layout page's address, for relative links
	lang string
	main selector
	open []openElement

	headDone, titleDone, mainDone bool
	// skip is the element whose content is being left out, skipDepth how
	// many of its kind are open; keepEnd keeps its end tag.
	skip      string
	skipDepth int
	keepEnd   bool
	// hashes collects the layout's style attributes.
	hashes csp.Hashes
}

// errNoMain is returned for a layout page without an element for Noren's
// content.
var errNoMain = errors.New("no element matches the layout's main selector")

// prepareLayout turns the layout page body, in UTF-8 and found at
// pagePath, into a dressing for Noren's pages in lang whose content
// replaces that of the first element matching main.
func prepareLayout(body []byte, pagePath, lang string, main selector) (*dressing, error) {
	b := &layoutBuilder{base: &url.URL{Path: pagePath}, lang: lang, main: main}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return nil, err
			}
			break
		}
		if err := b.token(z, tt); err != nil {
			return nil, err
		}
	}
	if !b.mainDone {
		return nil, errNoMain
	}
	b.d.parts = append(b.d.parts, b.cur.String())
	h := sha256.New()
	for i, p := range b.d.parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
		if i < len(b.d.slots) {
			fmt.Fprintf(h, "<%d>", b.d.slots[i])
		}
	}
	b.d.version = base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
	b.d.csp = b.hashes.Sources()
	return &b.d, nil
}

// fill ends the current piece with a slot.
func (b *layoutBuilder) fill(s slot) {
	b.d.parts = append(b.d.parts, b.cur.String())
	b.d.slots = append(b.d.slots, s)
	b.cur.Reset()
}

// endHead puts Noren's head pieces where the head ends.
func (b *layoutBuilder) endHead() {
	if b.headDone {
		return
	}
	b.headDone = true
	if !b.titleDone {
		b.titleDone = true
		b.cur.WriteString("<title>")
		b.fill(slotTitle)
		b.cur.WriteString("</title>")
	}
	b.fill(slotHead)
}

func (b *layoutBuilder) token(z *html.Tokenizer, tt html.TokenType) error {
	if b.skip != "" {
		b.skipToken(z, tt)
		return nil
	}
	switch tt {
	case html.StartTagToken, html.SelfClosingTagToken:
		return b.startTag(z.Token())
	case html.EndTagToken:
		b.endTag(z.Token(), z.Raw())
	case html.TextToken:
		if !b.headDone && len(b.open) > 0 && !htmlsyntax.Space(z.Raw()) && b.open[len(b.open)-1].name == "html" {
			b.endHead()
		}
		b.cur.Write(z.Raw())
	default:
		b.cur.Write(z.Raw())
	}
	return nil
}

// skipToken leaves out a token inside a left-out element, up to the end
// tag that closes it.
func (b *layoutBuilder) skipToken(z *html.Tokenizer, tt html.TokenType) {
	switch tt {
	case html.StartTagToken:
		if name, _ := z.TagName(); string(name) == b.skip {
			b.skipDepth++
		}
	case html.EndTagToken:
		name, _ := z.TagName()
		if string(name) != b.skip {
			return
		}
		if b.skipDepth--; b.skipDepth > 0 {
			return
		}
		if b.keepEnd {
			b.cur.Write(z.Raw())
			b.pop(b.skip)
		}
		b.skip, b.keepEnd = "", false
	}
}

// skipElement leaves out the content of the element whose start tag was
// just read, and its end tag unless keepEnd.
func (b *layoutBuilder) skipElement(name string, keepEnd bool) {
	b.skip, b.skipDepth, b.keepEnd = name, 1, keepEnd
}

func (b *layoutBuilder) startTag(tok html.Token) error {
	a := tok.DataAtom
	void := htmlsyntax.Void(a) || tok.Type == html.SelfClosingTagToken
	if !b.headDone && !htmlsyntax.InHead(a) {
		b.endHead()
	}
	switch {
	case a == atom.Html:
		setAttr(&tok, "lang", b.lang)
	case a == atom.Title:
		if !b.titleDone && !b.headDone {
			b.titleDone = true
			b.cur.WriteString("<title>")
			b.fill(slotTitle)
			b.cur.WriteString("</title>")
		}
		b.skipElement("title", false)
		return nil
	case a == atom.Meta:
		if _, ok := lookupAttr(tok.Attr, "charset"); ok {
			// The page was read into UTF-8, the charset of Noren's pages.
			setAttr(&tok, "charset", "utf-8")
		}
		if dropMeta(tok) {
			return nil
		}
	case a == atom.Link:
		if dropLink(tok) {
			return nil
		}
	case a == atom.Base:
		return nil
	case a == atom.Script:
		src, ok := lookupAttr(tok.Attr, "src")
		if !ok || !sameSite(resolveRef(b.base, src)) {
			// Inline scripts, JSON-LD included, describe or serve the
			// layout page; other sites' scripts are not consented to.
			if !void {
				b.skipElement("script", false)
			}
			return nil
		}
	case dropElement(a):
		if !void {
			b.skipElement(tok.Data, false)
		}
		return nil
	}
	b.cleanAttrs(&tok)
	if a == atom.Script || a == atom.Style {
		// The response's nonce is unknown until a page is rendered.
		tag := tok.String()
		b.cur.WriteString(strings.TrimSuffix(tag, ">") + ` nonce="`)
		b.fill(slotNonce)
		b.cur.WriteString(`">`)
	} else {
		b.cur.WriteString(tok.String())
	}
	if void {
		return nil
	}
	b.open = append(b.open, openElement{name: tok.Data, attrs: tok.Attr})
	if !b.mainDone && b.headDone && b.main.matches(b.open) {
		switch a {
		case atom.Script, atom.Style, atom.Textarea, atom.Noscript, atom.Xmp, atom.Plaintext, atom.Template:
			return fmt.Errorf("the layout's main selector matches a <%s> element", tok.Data)
		}
		b.mainDone = true
		b.fill(slotContent)
		b.skipElement(tok.Data, true)
	}
	return nil
}

func (b *layoutBuilder) endTag(tok html.Token, raw []byte) {
	switch tok.DataAtom {
	case atom.Head, atom.Body, atom.Html:
		b.endHead()
	}
	b.pop(tok.Data)
	b.cur.Write(raw)
}

// pop closes the innermost open element named name, and those inside it.
func (b *layoutBuilder) pop(name string) {
	for i := len(b.open) - 1; i >= 0; i-- {
		if b.open[i].name == name {
			b.open = b.open[:i]
			return
		}
	}
}

// cleanAttrs drops event handler attributes, which the Content-Security-
// Policy would refuse, and aria-current, which marks the layout page in
// the site's navigation rather than Noren's, makes relative links and
// sources absolute, and hashes style attributes for the policy, dropping
// those past the bound of hash sources, which it would refuse.
func (b *layoutBuilder) cleanAttrs(tok *html.Token) {
	kept := tok.Attr[:0]
	for _, at := range tok.Attr {
		if at.Namespace == "" && (strings.HasPrefix(at.Key, "on") || at.Key == "aria-current") {
			continue
		}
		switch at.Key {
		case "style":
			if !b.hashes.Add(csp.StyleAttr, at.Val) {
				continue
			}
		case "href", "src", "action", "formaction", "poster", "cite", "data":
			at.Val = resolveRef(b.base, at.Val)
		case "srcset", "imagesrcset":
			at.Val = resolveSrcset(b.base, at.Val)
		}
		kept = append(kept, at)
	}
	tok.Attr = kept
}

// resolveRef makes a relative reference absolute against base; others,
// fragments alone included, are kept as they are.
func resolveRef(base *url.URL, ref string) string {
	t := strings.TrimSpace(ref)
	if t == "" || strings.HasPrefix(t, "#") {
		return ref
	}
	u, err := url.Parse(t)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(t, "//") {
		return ref
	}
	return base.ResolveReference(u).String()
}

// resolveSrcset resolves each candidate of a srcset attribute.
func resolveSrcset(base *url.URL, v string) string {
	cands := strings.Split(v, ",")
	for i, c := range cands {
		f := strings.Fields(c)
		if len(f) == 0 {
			continue
		}
		f[0] = resolveRef(base, f[0])
		cands[i] = strings.Join(f, " ")
	}
	return strings.Join(cands, ", ")
}

// sameSite reports whether a resolved reference is a path on the site.
func sameSite(ref string) bool {
	return strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "//")
}

// dropElement reports whether an element of the layout is left out with
// its content: what would load or run third parties or describe the layout
// page alone.
func dropElement(a atom.Atom) bool {
	switch a {
	case atom.Noscript, atom.Iframe, atom.Frame, atom.Frameset, atom.Object, atom.Embed,
		atom.Template, atom.Dialog:
		return true
	}
	return false
}

// dropMeta reports whether a <meta> describes the layout page rather than
// the site, or would change how Noren's page is handled.
func dropMeta(tok html.Token) bool {
	switch strings.ToLower(attrValue(tok.Attr, "http-equiv")) {
	case "refresh", "content-security-policy", "content-security-policy-report-only", "set-cookie", "content-type":
		return true
	}
	name := strings.ToLower(attrValue(tok.Attr, "name"))
	prop := strings.ToLower(attrValue(tok.Attr, "property"))
	switch {
	case name == "description", name == "keywords", name == "robots", strings.HasPrefix(name, "twitter:"),
		strings.HasPrefix(prop, "og:"), strings.HasPrefix(prop, "article:"):
		return true
	}
	return false
}

// dropLink reports whether a <link> describes the layout page (its
// canonical address, translations, neighbours) or preloads a script.
func dropLink(tok html.Token) bool {
	for rel := range strings.FieldsSeq(strings.ToLower(attrValue(tok.Attr, "rel"))) {
		switch rel {
		case "canonical", "alternate", "amphtml", "shortlink", "prev", "next", "modulepreload", "manifest":
			return true
		case "preload", "prefetch":
			if strings.EqualFold(attrValue(tok.Attr, "as"), "script") {
				return true
			}
		}
	}
	return false
}

// setAttr sets a tag's attribute, adding it when missing.
func setAttr(tok *html.Token, key, val string) {
	for i, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			tok.Attr[i].Val = val
			return
		}
	}
	tok.Attr = append(tok.Attr, html.Attribute{Key: key, Val: val})
}
