package scan

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/noren-web/noren/internal/manifest"
)

// MaxPageSize is how much of a page is read; the rest is ignored.
const MaxPageSize = 8 << 20

// ParsePage reads an HTML page and returns what it names. contentType is
// the page's Content-Type, which with a byte order mark or a <meta charset>
// decides how its bytes are decoded; legacy Japanese encodings (Shift_JIS,
// EUC-JP, ISO-2022-JP) are understood. base is the page's own URL, against
// which relative references resolve; addresses on base's host or on one of
// self are the site's own and left out. With a nil base only absolute and
// scheme-relative references are considered.
func ParsePage(r io.Reader, contentType string, base *url.URL, self []string) (*Page, error) {
	body, err := charset.NewReader(io.LimitReader(r, MaxPageSize), contentType)
	if err != nil {
		return nil, fmt.Errorf("scan: decode page: %w", err)
	}
	p := &pageParser{page: &Page{}, base: base, self: map[string]bool{}, services: manifest.Catalog()}
	for _, h := range self {
		p.self[strings.ToLower(h)] = true
	}
	if base != nil {
		p.self[strings.ToLower(base.Hostname())] = true
	}
	if err := p.parse(html.NewTokenizer(body), 0); err != nil {
		return nil, fmt.Errorf("scan: read page: %w", err)
	}
	return p.page, nil
}

// pageParser walks one page's tokens.
type pageParser struct {
	page     *Page
	base     *url.URL
	self     map[string]bool
	services []manifest.Service
	media    int  // depth of <video> and <audio>, whose <source> is media
	baseSeen bool // a <base href> was met
}

// maxNoscriptDepth bounds how deeply <noscript> content, which the
// tokenizer hands over as text, is parsed again as markup.
const maxNoscriptDepth = 2

func (p *pageParser) parse(z *html.Tokenizer, depth int) error {
	var raw string // the element whose text content comes next
	var rawScriptRuns bool
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return err
			}
			return nil
		case html.TextToken:
			text := string(z.Text())
			switch raw {
			case "script":
				if rawScriptRuns {
					p.inlineScript(text)
				}
			case "style":
				p.css(text, "style", "style")
			case "noscript":
				if depth < maxNoscriptDepth {
					if err := p.parse(html.NewTokenizer(strings.NewReader(text)), depth+1); err != nil {
						return err
					}
				}
			}
			raw = ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			raw = ""
			if tt == html.StartTagToken {
				switch tok.Data {
				case "script", "style", "noscript":
					raw = tok.Data
					typ, _ := attr(&tok, "type")
					rawScriptRuns = runsAsScript(typ)
				}
			}
			p.element(&tok, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			raw = ""
			name, _ := z.TagName()
			if n := string(name); (n == "video" || n == "audio") && p.media > 0 {
				p.media--
			}
		}
	}
}

// element records what one start tag names.
func (p *pageParser) element(tok *html.Token, selfClosing bool) {
	name := tok.Data
	for _, a := range tok.Attr {
		switch {
		case a.Key == "style":
			p.css(a.Val, name, "style")
		case a.Key == "background":
			p.add(name, a.Key, a.Val, "img-src")
		}
	}
	switch name {
	case "html":
		if v, ok := attr(tok, "lang"); ok && p.page.Lang == "" {
			p.page.Lang = strings.TrimSpace(v)
		}
	case "base":
		// Only the first <base href> counts, as in browsers.
		if v, ok := attr(tok, "href"); ok && !p.baseSeen {
			p.baseSeen = true
			if u := p.resolve(v); u != nil {
				p.base = u
			}
		}
	case "script":
		for _, k := range []string{"src", "href", "xlink:href"} {
			p.attr(tok, k, "script-src")
		}
	case "iframe", "frame":
		p.attr(tok, "src", "frame-src")
		p.attr(tok, "data-src", "frame-src")
		p.link(tok, "src")
	case "img":
		p.attr(tok, "src", "img-src")
		p.srcset(tok, "srcset", "img-src")
		p.attr(tok, "data-src", "img-src")
		p.srcset(tok, "data-srcset", "img-src")
	case "image":
		p.attr(tok, "href", "img-src")
		p.attr(tok, "xlink:href", "img-src")
	case "input":
		if typ, _ := attr(tok, "type"); strings.EqualFold(typ, "image") {
			p.attr(tok, "src", "img-src")
		}
		p.attr(tok, "formaction", "form-action")
	case "button":
		p.attr(tok, "formaction", "form-action")
	case "source":
		if p.media > 0 {
			p.attr(tok, "src", "media-src")
		} else {
			p.attr(tok, "src", "img-src")
		}
		p.srcset(tok, "srcset", "img-src")
	case "video", "audio":
		if !selfClosing {
			p.media++
		}
		p.attr(tok, "src", "media-src")
		p.attr(tok, "poster", "img-src")
	case "track":
		p.attr(tok, "src", "media-src")
	case "link":
		directive, fetches := linkDirective(tok)
		if fetches {
			p.attr(tok, "href", directive)
			p.srcset(tok, "imagesrcset", "img-src")
		}
	case "object":
		p.plugin(tok, "data")
		p.attr(tok, "data", "object-src")
	case "embed":
		p.plugin(tok, "src")
		p.attr(tok, "src", "object-src")
	case "applet":
		p.plugin(tok, "code")
	case "form":
		p.attr(tok, "action", "form-action")
	case "a", "area":
		p.link(tok, "href")
		if v, ok := attr(tok, "href"); ok && isScriptURL(v) {
			p.page.ScriptURLs = append(p.page.ScriptURLs, Finding{name, "href", v})
		}
	}
}

// attr records the URL in attribute key of tok, if any, as a resource of
// directive.
func (p *pageParser) attr(tok *html.Token, key, directive string) {
	v, ok := attr(tok, key)
	if !ok {
		return
	}
	if isScriptURL(v) {
		p.page.ScriptURLs = append(p.page.ScriptURLs, Finding{tok.Data, key, v})
		return
	}
	p.add(tok.Data, key, v, directive)
}

// srcset records every URL of a srcset attribute.
func (p *pageParser) srcset(tok *html.Token, key, directive string) {
	v, ok := attr(tok, key)
	if !ok {
		return
	}
	for _, candidate := range strings.Split(v, ",") {
		if f := strings.Fields(candidate); len(f) > 0 {
			p.add(tok.Data, key, f[0], directive)
		}
	}
}

// plugin records a plugin element.
func (p *pageParser) plugin(tok *html.Token, key string) {
	v, _ := attr(tok, key)
	p.page.Plugins = append(p.page.Plugins, Finding{tok.Data, key, v})
}

// link records a same-site page the element leads to.
func (p *pageParser) link(tok *html.Token, key string) {
	v, ok := attr(tok, key)
	if !ok || p.base == nil {
		return
	}
	u := p.resolve(v)
	if u == nil || !strings.EqualFold(u.Host, p.base.Host) || u.Scheme != p.base.Scheme {
		return
	}
	u.Fragment = ""
	u.RawFragment = ""
	p.page.links = append(p.page.links, u.String())
}

// add records ref as a resource when it is a third party's http(s) URL.
func (p *pageParser) add(element, attribute, ref, directive string) {
	u := p.resolve(ref)
	if u == nil {
		return
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || p.self[host] {
		return
	}
	p.page.Resources = append(p.page.Resources, Resource{URL: u.String(), Host: host, Element: element, Attr: attribute, Directive: directive})
}

// resolve makes ref an absolute http(s) URL as a browser would, or returns
// nil: browsers drop surrounding spaces and inner tabs and newlines, and
// read backslashes as slashes in http(s) URLs.
func (p *pageParser) resolve(ref string) *url.URL {
	ref = strings.Trim(ref, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	ref = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(ref)
	if ref == "" {
		return nil
	}
	ref = strings.ReplaceAll(ref, `\`, "/")
	u, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	if p.base != nil {
		u = p.base.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		if u.Host == "" {
			return nil
		}
		u.Scheme = "https"
	default:
		return nil
	}
	if u.Host == "" {
		return nil
	}
	return u
}

// literalURL finds URLs written as string literals in a script: a quote
// followed by http(s):// or //, and a host name.
var literalURL = regexp.MustCompile("['\"`]((?:https?:)?//[A-Za-z0-9][A-Za-z0-9.-]*\\.[A-Za-z]{2,}[^'\"`\\s]*)")

// inlineScript recognises a known service's snippet by its markers and
// records the hosts its string literals name, which the snippet loads.
func (p *pageParser) inlineScript(text string) {
	known := false
	for _, s := range p.services {
		for _, m := range s.InlineMarkers {
			if strings.Contains(text, m) {
				p.page.Snippets = append(p.page.Snippets, Snippet{Service: s.Tool.ID, Marker: m})
				known = true
				break
			}
		}
	}
	if !known {
		return
	}
	for _, m := range literalURL.FindAllStringSubmatch(text, -1) {
		p.add("script", "script", m[1], "script-src")
	}
}

// linkDirective returns the CSP directive that governs what a <link>
// fetches, and whether it fetches anything: navigational relations do not.
func linkDirective(tok *html.Token) (string, bool) {
	rel, _ := attr(tok, "rel")
	as, _ := attr(tok, "as")
	fetches, directive := false, ""
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch r {
		case "alternate", "author", "bookmark", "canonical", "external", "help", "license",
			"me", "next", "nofollow", "noopener", "noreferrer", "opener", "pingback", "prev",
			"privacy-policy", "search", "shortlink", "tag", "terms-of-service":
			continue
		case "stylesheet":
			directive = "style-src"
		case "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon":
			directive = "img-src"
		case "manifest":
			directive = "manifest-src"
		case "modulepreload":
			directive = "script-src"
		case "preload", "prefetch":
			directive = asDirective(strings.ToLower(as))
		}
		fetches = true
	}
	return directive, fetches
}

// asDirective maps the as attribute of a preload to its directive.
func asDirective(as string) string {
	switch as {
	case "script", "worker":
		return "script-src"
	case "style":
		return "style-src"
	case "font":
		return "font-src"
	case "image":
		return "img-src"
	case "audio", "video", "track":
		return "media-src"
	case "fetch":
		return "connect-src"
	case "document", "iframe":
		return "frame-src"
	}
	return "default-src"
}

// runsAsScript reports whether a script element of this type runs as
// JavaScript: no type, a JavaScript MIME type or "module".
func runsAsScript(typ string) bool {
	t, _, _ := strings.Cut(typ, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	return t == "" || t == "module" || strings.Contains(t, "javascript") || strings.Contains(t, "ecmascript") ||
		t == "text/jscript" || t == "text/livescript"
}

// isScriptURL reports whether ref is a javascript: URL.
func isScriptURL(ref string) bool {
	ref = strings.TrimLeft(ref, "\x00\t\n\f\r ")
	ref = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(ref)
	return len(ref) >= 11 && strings.EqualFold(ref[:11], "javascript:")
}

// attr returns the value of the first attribute named key.
func attr(tok *html.Token, key string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
