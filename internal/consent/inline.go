package consent

import (
	"strings"

	xhtml "golang.org/x/net/html"

	"github.com/noren-web/noren/internal/manifest"
)

// The hosts Google's gtag snippet loads from and sends to; its inline part
// names none of them.
var gtagHosts = []string{"https://www.googletagmanager.com/", "https://www.google-analytics.com/"}

// inline holds back an inline script whose text belongs to a tool that
// needs consent, as a <script src> of the tool is held back, and reports
// whether it did. The text belongs to a tool when it contains one of the
// tool's inline_markers, when a URL in it names one of the tool's hosts
// (GTM's and Meta's snippets load their scripts so), or when it has the
// shape of Google's gtag snippet (gtag( and dataLayer) and a tool covers
// www.googletagmanager.com or www.google-analytics.com.
func (b *blocklist) inline(nonce string, tok *xhtml.Token, text string) bool {
	if _, held := tagAttr(tok, "data-noren-category"); held {
		return false
	}
	typ, _ := tagAttr(tok, "type")
	if !runsAsScript(typ) {
		return false
	}
	t := b.snippetTool(text)
	if t == nil {
		return false
	}
	delTagAttr(tok, "type")
	tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "type", Val: "text/plain"})
	if typ != "" {
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-type", Val: typ})
	}
	markHeld(tok, t.Category, t.ID, nonce)
	return true
}

// snippetTool returns the gated tool an inline script's text belongs to,
// or nil.
func (b *blocklist) snippetTool(text string) *manifest.Tool {
	for _, g := range b.markers {
		if strings.Contains(text, g.pattern) {
			return g.tool
		}
	}
	for u := range urlsIn(text) {
		if t := b.tool(u); t != nil {
			return t
		}
	}
	if strings.Contains(text, "gtag(") && strings.Contains(text, "dataLayer") {
		for _, u := range gtagHosts {
			if t := b.tool(u); t != nil {
				return t
			}
		}
	}
	return nil
}

// urlsIn yields the absolute and scheme-relative URLs written in a
// script's text, each from its "//" to the end of the host: enough for
// b.tool, which reads only the host. Slashes escaped for JSON ("\/\/")
// count too.
func urlsIn(text string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for rest := text; ; {
			i := strings.Index(rest, "//")
			j := strings.Index(rest, `\/\/`)
			n := 2
			if j >= 0 && (i < 0 || j < i) {
				i, n = j, 4
			}
			if i < 0 {
				return
			}
			rest = rest[i+n:]
			end := 0
			for end < len(rest) && hostByte(rest[end]) {
				end++
			}
			if end > 0 && !yield("//"+rest[:end]) {
				return
			}
			rest = rest[end:]
		}
	}
}

// hostByte reports whether c may be part of a host name as scripts write
// it.
func hostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}
