package site

import (
	"bytes"
	"strings"

	"github.com/noren-web/noren/internal/csp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The functions below fit a page's own inline code to the response's
// Content-Security-Policy, which admits scripts and styles by nonce: the
// site's inline <script> and <style> elements get the nonce, and the code
// in its attributes, to which a nonce cannot apply, is hashed into the
// policy (see csp.Hashes). Pages then work as they did before Noren while
// the policy still refuses scripts from undeclared hosts, eval, and code
// that the page's scripts insert as markup at run time.

// pendingScript is a <script> start tag without src whose writing waits
// for the script's text, which inline rewriters look at.
type pendingScript struct {
	name, raw []byte
	tok       html.Token
	changed   bool     // the tag rewriters changed tok
	after     []string // what they insert after it
}

// inlineRewriters reports whether a tag rewriter looks at the text of
// inline scripts.
func (rw *rewriter) inlineRewriters() bool {
	for i := range rw.cfg.startTags {
		if rw.cfg.startTags[i].Inline != nil {
			return true
		}
	}
	return false
}

// needsFit reports, from a start tag's atom and source, whether it must be
// read whole to fit the policy: an inline script or a style to give the
// nonce, or a tag that may carry inline code in its attributes.
func (rw *rewriter) needsFit(a atom.Atom, raw []byte) bool {
	if rw.cfg.nonce == "" || !rw.cfg.fit {
		return false
	}
	if a == atom.Script || a == atom.Style {
		return true
	}
	return rw.cfg.hashes != nil && mayHaveInlineCode(raw)
}

// hashOnly reports whether fitting a start tag that needsFit to the policy
// only hashes its attributes, which the rewrite reads nowhere else, so
// that hashTagAttrs can read them from the tokenizer without making a
// Token: a tag other than a script or a style, in a page whose attribute
// values need no decoding, neither the <html> whose lang is still to be
// read, nor a link that may be to a PDF, nor the element marked for the
// footer.
func (rw *rewriter) hashOnly(a atom.Atom, raw []byte) bool {
	switch {
	case a == atom.Script || a == atom.Style || rw.cfg.charset.decodesTags():
		return false
	case a == atom.Html && !rw.langKnown:
		return false
	case a == atom.A && rw.cfg.fileSize != nil && containsFold(raw, ".pdf"):
		return false
	}
	return !hasFooterMark(raw)
}

// hashTagAttrs is hashAttrs for the current tag of the page's tokenizer,
// reading its attributes without allocating but for new values.
func (rw *rewriter) hashTagAttrs() {
	h := rw.cfg.hashes
	_, more := rw.z.TagName()
	for more {
		var k, v []byte
		k, v, more = rw.z.TagAttr()
		switch {
		case string(k) == "style":
			h.AddBytes(csp.StyleAttr, v)
		case len(k) > 2 && k[0] == 'o' && k[1] == 'n':
			h.AddBytes(csp.ScriptAttr, v)
		case string(k) == "href" || string(k) == "xlink:href":
			if code, ok := javascriptURL(string(v)); ok {
				h.Add(csp.Navigation, code)
			}
		}
	}
}

// fitTag fits a start tag, read whole into tok, to the policy: it hashes
// the inline code of its attributes and gives an inline script that a
// browser runs, or a style, the response's nonce in place of any other. It
// reports whether tok changed, and splice, when tok is unchanged but for
// the nonce, is the source with the nonce added, to write in its place.
func (rw *rewriter) fitTag(name []byte, raw []byte, tok *html.Token, changed bool) (bool, []byte) {
	if !rw.cfg.fit {
		return changed, nil
	}
	if h := rw.cfg.hashes; h != nil {
		hashAttrs(h, tok)
	}
	nonce := rw.cfg.nonce
	if nonce == "" {
		return changed, nil
	}
	switch string(name) {
	case "script":
		if external(tok) || !scriptRuns(attr(tok, "type")) {
			return changed, nil
		}
	case "style":
	default:
		return changed, nil
	}
	if !changed && !tokHasAttr(tok, "nonce") {
		return false, spliceNonce(raw, len(name), nonce)
	}
	if nonceIs(tok, nonce) {
		return changed, nil
	}
	delAttr(tok, "nonce")
	tok.Attr = append(tok.Attr, html.Attribute{Key: "nonce", Val: nonce})
	return true, nil
}

// spliceNonce returns the source of a start tag whose name is n bytes long
// with a nonce attribute added after the name, where it is an attribute
// whatever follows.
func spliceNonce(raw []byte, n int, nonce string) []byte {
	at := 1 + n
	out := make([]byte, 0, len(raw)+len(nonce)+9)
	out = append(out, raw[:at]...)
	out = append(out, ` nonce="`...)
	out = append(out, html.EscapeString(nonce)...)
	out = append(out, '"')
	return append(out, raw[at:]...)
}

// hashAttrs adds the inline code in tok's attributes to h: event handlers,
// style attributes and javascript: URLs in href. Where a name repeats,
// browsers use the first, and hashing the others admits only code the page
// holds anyway.
func hashAttrs(h *csp.Hashes, tok *html.Token) {
	for _, a := range tok.Attr {
		if a.Namespace != "" {
			continue
		}
		switch {
		case a.Key == "style":
			h.Add(csp.StyleAttr, a.Val)
		case len(a.Key) > 2 && strings.HasPrefix(a.Key, "on"):
			h.Add(csp.ScriptAttr, a.Val)
		case a.Key == "href" || a.Key == "xlink:href":
			if code, ok := javascriptURL(a.Val); ok {
				h.Add(csp.Navigation, code)
			}
		}
	}
}

// javascriptURL returns what Chromium hashes for a javascript: URL, the
// way it checks the URL's code against a policy's hashes: "javascript:"
// and the percent-decoded rest of the URL as the URL parser leaves it.
func javascriptURL(ref string) (string, bool) {
	scheme, rest, ok := cutScheme(browserURL(ref))
	if !ok || !strings.EqualFold(scheme, "javascript") {
		return "", false
	}
	return "javascript:" + percentDecode(rest), true
}

// percentDecode decodes %XX escapes and leaves a % that starts none as it
// is, as URL parsers do.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// mayHaveInlineCode tells from a start tag's source whether an attribute
// may hold inline code: a name starting with "on" or "style", or a value
// starting with "javascript:". It errs towards yes; a tag it misses, such
// as one whose URL hides the scheme in character references, keeps code
// the policy blocks, as it did before.
func mayHaveInlineCode(raw []byte) bool {
	for i := 1; i < len(raw)-1; i++ {
		// The letter first: it rules out most bytes at once.
		c := raw[i] | 0x20
		if c != 'o' && c != 's' && c != 'j' {
			continue
		}
		switch raw[i-1] {
		case ' ', '\t', '\n', '\f', '\r', '/', '"', '\'', '=':
		default:
			continue
		}
		switch {
		case c == 'o' && raw[i+1]|0x20 == 'n',
			c == 's' && hasPrefixFold(raw[i:], "style"),
			c == 'j' && hasPrefixFold(raw[i:], "javascript:"):
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether b starts with s, a lower-case ASCII
// string, in any case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && bytes.EqualFold(b[:len(s)], []byte(s))
}

// scriptRuns reports whether a browser runs a script element with this
// type attribute as code the policy checks: classic scripts, modules,
// import maps and speculation rules. Data blocks such as JSON are not
// checked and need no nonce.
func scriptRuns(typ string) bool {
	t, _, _ := strings.Cut(typ, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	switch t {
	case "", "module", "importmap", "speculationrules":
		return true
	}
	return strings.HasSuffix(t, "javascript") || strings.HasSuffix(t, "ecmascript") ||
		strings.HasPrefix(t, "text/javascript") || t == "text/jscript" || t == "text/livescript"
}

// tokHasAttr reports whether tok has an attribute named key.
func tokHasAttr(tok *html.Token, key string) bool {
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}

// external reports whether a script element loads its code from a URL:
// src, or href in SVG. The policy admits such scripts by their host, and a
// nonce would admit them from anywhere.
func external(tok *html.Token) bool {
	return tokHasAttr(tok, "src") || tokHasAttr(tok, "href") || tokHasAttr(tok, "xlink:href")
}

// nonceIs reports whether tok has one nonce attribute, of value nonce.
func nonceIs(tok *html.Token, nonce string) bool {
	n := 0
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == "nonce" {
			if a.Val != nonce {
				return false
			}
			n++
		}
	}
	return n == 1
}

// delAttr removes every attribute named key.
func delAttr(tok *html.Token, key string) {
	out := tok.Attr[:0]
	for _, a := range tok.Attr {
		if a.Namespace != "" || a.Key != key {
			out = append(out, a)
		}
	}
	tok.Attr = out
}

// scriptText is where the rewrite learns a pending script's text, empty
// when the script has none, and writes the start tag it held.
func (rw *rewriter) scriptText(text []byte) {
	p := rw.pending
	rw.pending = nil
	if p == nil {
		return
	}
	page := rw.page()
	changed := p.changed
	s := string(text)
	for i := range rw.cfg.startTags {
		if in := rw.cfg.startTags[i].Inline; in != nil {
			changed = in(page, &p.tok, s) || changed
		}
	}
	rw.writeTag(p.name, p.raw, &p.tok, changed, p.after)
}
