package consent

import (
	"cmp"
	"html"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	xhtml "golang.org/x/net/html"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/site"
)

// BlockRewriter returns the tag rewriter that holds back, in every page, the
// elements that would reach a tool needing consent before the visitor gave
// it. An element reaches a tool when a URL in it names one of the tool's
// hosts; tools of required categories and first-party tools are never held
// back.
//
//   - <script src> becomes type="text/plain" with data-noren-category and
//     data-noren-tool, its own type kept in data-noren-type; consent.js runs
//     it once the tool is allowed.
//   - <iframe src> loses src to data-noren-src and shows, through srcdoc, a
//     notice naming the recipient and the purpose with a link to open the
//     content on the provider's site; it gets a title if it had none.
//   - <link> that fetches (preconnect, dns-prefetch, preload, stylesheet…),
//     <img> and <source> lose href, src, srcset and imagesrcset to
//     data-noren-* attributes, so that nothing is requested.
//
// Every element held back also carries the response's CSP nonce, and
// consent.js brings to life only elements with its own nonce: those this
// rewrite held back in this very response. The page's content cannot know
// the nonce, so markup injected into it cannot have consent.js run a script
// the Content-Security-Policy refused. For the same reason the rewrite
// removes every data-noren-* attribute the content itself carries on these
// elements. A script the content wrote in the held-back form by hand
// (type="text/plain" with data-noren-category or data-noren-tool) is held
// back again only when its src is one the policy admits anyway: a tool's
// host, where the manifest says which tool it is, or the site itself, where
// the tool or category it names must be in the manifest. Inline code in that
// form never runs.
//
// An inline script the site wrote itself is held back in the same way when
// its text is the snippet of a tool that needs consent (see
// blocklist.inline), so that Google's copy-paste gtag snippet, GTM's or
// Meta's run only once the tool is allowed; consent.js then runs it in
// page order.
//
// m returns the manifest in force; its hosts are sorted out again only when
// it changes.
func BlockRewriter(m func() *manifest.Manifest) site.TagRewriter {
	var cache atomic.Pointer[blocklist]
	return site.TagRewriter{
		Tags:  []string{"script", "iframe", "link", "img", "source"},
		Maybe: mayRewrite,
		Rewrite: func(p site.Page, tok *xhtml.Token) (bool, string) {
			return blocklistFor(&cache, m()).rewrite(p.Lang, p.Nonce, tok), ""
		},
		Inline: func(p site.Page, tok *xhtml.Token, text string) bool {
			return blocklistFor(&cache, m()).inline(p.Nonce, tok, text)
		},
	}
}

// mayRewrite tells from a start tag's source whether the rewrite could
// change it: it may name a host, or it has attributes named data-noren-*.
func mayRewrite(raw []byte) bool {
	return site.MayNameHost(raw) || containsFold(raw, "data-noren-")
}

// containsFold reports whether b contains s, a lower-case ASCII string, in
// any case, as attribute names may be written.
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

// blocklist knows which hosts belong to tools that need consent.
type blocklist struct {
	m *manifest.Manifest
	// exempt are the hosts of first-party tools and of tools that need no
	// consent, which are never held back even when a gated tool names them
	// too.
	exempt []string
	// gated are the hosts of the other tools, the most specific first.
	gated []gatedHost
	// markers are the inline markers of the tools in gated, in manifest
	// order.
	markers []gatedHost
	// thirdParty are the hosts of every third-party tool: those the
	// Content-Security-Policy admits (see CSPSources).
	thirdParty []string
}

// gatedHost is a host pattern, or an inline marker, of a gated tool.
type gatedHost struct {
	pattern string
	tool    *manifest.Tool
}

func blocklistFor(cache *atomic.Pointer[blocklist], m *manifest.Manifest) *blocklist {
	if b := cache.Load(); b != nil && b.m == m {
		return b
	}
	b := newBlocklist(m)
	cache.Store(b)
	return b
}

func newBlocklist(m *manifest.Manifest) *blocklist {
	b := &blocklist{m: m}
	for i := range m.Tools {
		t := &m.Tools[i]
		cat := m.CookieCategory(t.Category)
		exempt := t.Party == "first" || cat != nil && cat.Required
		if !exempt {
			for _, mk := range t.InlineMarkers {
				if mk = strings.TrimSpace(mk); mk != "" {
					b.markers = append(b.markers, gatedHost{pattern: mk, tool: t})
				}
			}
		}
		for _, h := range t.Hosts {
			h = strings.ToLower(h)
			if exempt {
				b.exempt = append(b.exempt, h)
			} else {
				b.gated = append(b.gated, gatedHost{pattern: h, tool: t})
			}
			if t.Party == "third" && cspHostSource(h) {
				b.thirdParty = append(b.thirdParty, h)
			}
		}
	}
	// An exact host is more specific than any wildcard, and a wildcard for
	// a longer domain more than one for a shorter; ties keep manifest order.
	slices.SortStableFunc(b.gated, func(x, y gatedHost) int {
		xw, yw := strings.HasPrefix(x.pattern, "*."), strings.HasPrefix(y.pattern, "*.")
		if xw != yw {
			if xw {
				return 1
			}
			return -1
		}
		return cmp.Compare(len(y.pattern), len(x.pattern))
	})
	return b
}

// tool returns the gated tool that the URL ref reaches, or nil.
func (b *blocklist) tool(ref string) *manifest.Tool {
	host := site.URLHost(ref)
	if host == "" {
		return nil
	}
	for _, p := range b.exempt {
		if site.HostMatches(p, host) {
			return nil
		}
	}
	for _, g := range b.gated {
		if site.HostMatches(g.pattern, host) {
			return g.tool
		}
	}
	return nil
}

// srcsetTool returns the gated tool that any URL of a srcset reaches.
func (b *blocklist) srcsetTool(srcset string) *manifest.Tool {
	for u := range site.SrcsetURLs(srcset) {
		if t := b.tool(u); t != nil {
			return t
		}
	}
	return nil
}

// claim is what the data-noren-* attributes an element came with said.
type claim struct {
	found               bool
	category, tool, typ string
}

// takeClaim removes the data-noren-* attributes of an element of the page's
// content and returns what they said; where a name repeats, the first
// counts, as in browsers.
func takeClaim(tok *xhtml.Token) claim {
	var c claim
	first := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	tok.Attr = slices.DeleteFunc(tok.Attr, func(a xhtml.Attribute) bool {
		name, ok := strings.CutPrefix(a.Key, "data-noren-")
		if a.Namespace != "" || !ok {
			return false
		}
		c.found = true
		switch name {
		case "category":
			first(&c.category, a.Val)
		case "tool":
			first(&c.tool, a.Val)
		case "type":
			first(&c.typ, a.Val)
		}
		return true
	})
	return c
}

// rewrite holds tok back if it reaches a gated tool, and reports whether it
// changed tok: held it back, or removed data-noren-* attributes it came
// with. nonce, the response's, marks what was held back.
func (b *blocklist) rewrite(lang, nonce string, tok *xhtml.Token) bool {
	c := takeClaim(tok)
	var category, tool string
	switch tok.Data {
	case "script":
		category, tool = b.script(tok, c)
	case "iframe":
		category, tool = heldBy(b.iframe(lang, tok))
	case "link":
		if linkFetches(tok) {
			category, tool = heldBy(b.neutralise(tok, "href", "imagesrcset"))
		}
	case "img", "source":
		category, tool = heldBy(b.neutralise(tok, "src", "srcset"))
	}
	if category == "" {
		return c.found
	}
	markHeld(tok, category, tool, nonce)
	return true
}

// heldBy returns the category and id of the tool that holds an element
// back, or "" for none.
func heldBy(t *manifest.Tool) (category, tool string) {
	if t == nil {
		return "", ""
	}
	return t.Category, t.ID
}

// script turns a script that would load from a gated tool into the inert
// form consent.js activates, and returns the category (and tool) it waits
// for, or "" when it is left as it is. SVG scripts name their source in
// href. c is what the script's data-noren-* attributes said.
func (b *blocklist) script(tok *xhtml.Token, c claim) (category, tool string) {
	typ, _ := tagAttr(tok, "type")
	// The held-back form written by hand: its own type is in c.typ.
	byHand := (c.category != "" || c.tool != "") && strings.EqualFold(strings.TrimSpace(typ), "text/plain")
	if byHand {
		typ = c.typ
	}
	if !runsAsScript(typ) {
		return "", ""
	}
	var t *manifest.Tool
	for _, key := range []string{"src", "href", "xlink:href"} {
		if v, ok := tagAttr(tok, key); ok && t == nil {
			t = b.tool(v)
		}
	}
	switch {
	case t != nil:
		category, tool = t.Category, t.ID
	case byHand:
		category, tool = b.claimed(tok, c)
	}
	if category == "" {
		return "", ""
	}
	delTagAttr(tok, "type")
	tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "type", Val: "text/plain"})
	if typ != "" {
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-type", Val: typ})
	}
	return category, tool
}

// claimed returns the category and tool a script written in the held-back
// form by hand names, when that script may be held back again: its src
// must be one the Content-Security-Policy admits without a nonce (the site
// itself or a third-party tool's host), since consent.js runs it with one,
// and the tool or category must be in the manifest. The tool, when named,
// decides the category. It returns "" otherwise, and for inline code.
func (b *blocklist) claimed(tok *xhtml.Token, c claim) (category, tool string) {
	src, _ := tagAttr(tok, "src")
	if !site.RelativeURL(src) && !b.admitted(src) {
		return "", ""
	}
	if c.tool != "" {
		if t := b.m.Tool(c.tool); t != nil {
			return t.Category, t.ID
		}
		return "", ""
	}
	if b.m.CookieCategory(c.category) == nil {
		return "", ""
	}
	return c.category, ""
}

// admitted reports whether the URL ref names a third-party tool's host.
func (b *blocklist) admitted(ref string) bool {
	host := site.URLHost(ref)
	return host != "" && slices.ContainsFunc(b.thirdParty, func(p string) bool { return site.HostMatches(p, host) })
}

// runsAsScript reports whether a browser runs a script element with this
// type attribute: none, a JavaScript MIME type or "module". Parameters are
// ignored, which errs towards holding back.
func runsAsScript(typ string) bool {
	t, _, _ := strings.Cut(typ, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	switch t {
	case "", "module", "text/javascript", "application/javascript", "application/ecmascript",
		"application/x-ecmascript", "application/x-javascript", "text/ecmascript",
		"text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
		"text/javascript1.4", "text/javascript1.5", "text/jscript", "text/livescript",
		"text/x-ecmascript", "text/x-javascript":
		return true
	}
	return false
}

// iframe replaces a frame from a gated tool with a notice that loads
// nothing, and returns the tool, or nil when the frame is left as it is.
func (b *blocklist) iframe(lang string, tok *xhtml.Token) *manifest.Tool {
	src, ok := tagAttr(tok, "src")
	if !ok {
		return nil
	}
	if _, ok := tagAttr(tok, "srcdoc"); ok {
		// Browsers show srcdoc and never load src.
		return nil
	}
	t := b.tool(src)
	if t == nil {
		return nil
	}
	delTagAttr(tok, "src")
	tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-src", Val: src})
	if title, _ := tagAttr(tok, "title"); strings.TrimSpace(title) == "" {
		delTagAttr(tok, "title")
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "title", Val: t.Name.In(lang)})
	}
	tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "srcdoc", Val: embedPlaceholder(b.m, t, lang, src)})
	return t
}

// neutralise moves the URL attributes of an element to data-noren-*
// attributes when any of them reaches a gated tool, and returns the tool,
// or nil. The first of keys holds one URL, the second a srcset.
func (b *blocklist) neutralise(tok *xhtml.Token, urlKey, srcsetKey string) *manifest.Tool {
	var t *manifest.Tool
	if v, ok := tagAttr(tok, urlKey); ok {
		t = b.tool(v)
	}
	if v, ok := tagAttr(tok, srcsetKey); ok && t == nil {
		t = b.srcsetTool(v)
	}
	if t == nil {
		return nil
	}
	for _, key := range []string{urlKey, srcsetKey} {
		if v, ok := tagAttr(tok, key); ok {
			delTagAttr(tok, key)
			tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-" + key, Val: v})
		}
	}
	return t
}

// linkFetches reports whether a <link> makes the browser contact its href:
// every relation does but the purely navigational ones.
func linkFetches(tok *xhtml.Token) bool {
	rel, _ := tagAttr(tok, "rel")
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch r {
		case "alternate", "author", "bookmark", "canonical", "external", "help", "license",
			"me", "next", "nofollow", "noopener", "noreferrer", "opener", "pingback", "prev",
			"privacy-policy", "search", "shortlink", "tag", "terms-of-service":
		default:
			return true
		}
	}
	return false
}

// markHeld names the category and tool ("" for none) that hold an element
// back, and gives it the response's nonce in place of any it had, so that
// consent.js knows it for one this response held back. The nonce makes no
// held element load or run: scripts stay text/plain, and consent.js takes
// it off the others before giving them their addresses back.
func markHeld(tok *xhtml.Token, category, tool, nonce string) {
	tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-category", Val: category})
	if tool != "" {
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "data-noren-tool", Val: tool})
	}
	delTagAttr(tok, "nonce")
	if nonce != "" {
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: "nonce", Val: nonce})
	}
}

// tagAttr returns the value of the first attribute named key, which is
// the one browsers use.
func tagAttr(tok *xhtml.Token, key string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// delTagAttr removes every attribute named key: were a repeat left,
// browsers would take it instead.
func delTagAttr(tok *xhtml.Token, key string) {
	tok.Attr = slices.DeleteFunc(tok.Attr, func(a xhtml.Attribute) bool { return a.Namespace == "" && a.Key == key })
}

// embedPlaceholder is the document an iframe held back shows: who provides
// the content, why, and a link to see it on the provider's own site, which
// works without JavaScript. consent.js puts its own notice, with a button to
// load the content, in its place.
func embedPlaceholder(m *manifest.Manifest, t *manifest.Tool, lang, src string) string {
	esc := html.EscapeString
	name := esc(t.Name.In(lang))
	who := t.Recipient.In(lang)
	if who == "" {
		who = m.Operator.Name.In(lang)
	}
	purpose := esc(t.Purpose.In(lang))
	link := esc(providerLink(src))
	l := i18n.Lang(lang)
	text := esc(i18n.T(l, "consent.embed.text", who))
	purposeLabel := esc(i18n.T(l, "consent.embed.purpose"))
	// Only the Japanese link names the provider, and a text of the
	// catalogue must take the same arguments in every language, so this
	// one stays out of it until the English text names the provider too.
	open := "Open it on the provider’s site"
	if lang == "ja" {
		open = esc(who) + "のサイトで見る"
	}
	return `<!DOCTYPE html><html lang="` + esc(lang) + `"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<link rel="stylesheet" href="/noren/consent.css"><title>` + name + `</title></head>` +
		`<body class="noren-embed-placeholder"><p class="noren-embed-placeholder__name">` + name + `</p>` +
		`<p>` + text + `</p><p>` + purposeLabel + purpose + `</p>` +
		`<p><a href="` + link + `" target="_top" rel="noopener">` + open + `</a></p></body></html>`
}

// providerLink is the address of held-back content for a link to open it
// in the whole window: the src, made absolute with https when it had no
// scheme.
func providerLink(src string) string {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || u.Host == "" || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return "https://" + site.URLHost(src) + "/"
	}
	if u.Scheme == "" {
		u.Scheme = "https"
	}
	return u.String()
}
