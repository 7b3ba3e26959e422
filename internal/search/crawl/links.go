package crawl

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// links is what a page gives the crawl.
type links struct {
	// URLs are the absolute http(s) targets of the page's followable
	// links, without fragments, in document order, duplicates kept.
	URLs []*url.URL
	// NoFollow is set by <meta name="robots" content="nofollow"> (or
	// "none", or the same for the "noren" agent); the page's links are
	// then not followed at all, so URLs is empty.
	NoFollow bool
}

// maxLinks bounds the links taken from one page, so that a page of a
// million links cannot fill the frontier.
const maxLinks = 5000

// parseLinks finds the links of an HTML page fetched from pageURL: <a>
// and <area> hrefs not marked rel=nofollow, and <link rel=alternate
// hreflang> (the other language's page). A <base href> changes what
// relative links resolve against.
func parseLinks(body []byte, pageURL *url.URL) links {
	var out links
	base := pageURL
	baseSeen := false
	z := html.NewTokenizer(bytes.NewReader(body))
	for len(out.URLs) < maxLinks {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		tag := string(name)
		switch tag {
		case "a", "area", "link", "base", "meta":
		default:
			continue
		}
		attrs := readAttrs(z)
		switch tag {
		case "base":
			// Only the first <base href> counts, as in browsers.
			if href, ok := attrs["href"]; ok && !baseSeen {
				baseSeen = true
				if u, err := pageURL.Parse(cleanHref(href)); err == nil {
					base = u
				}
			}
		case "meta":
			if metaNoFollow(attrs) {
				out.NoFollow = true
			}
		case "a", "area":
			if hasToken(attrs["rel"], "nofollow") {
				continue
			}
			out.add(base, attrs)
		case "link":
			if _, ok := attrs["hreflang"]; ok && hasToken(attrs["rel"], "alternate") {
				out.add(base, attrs)
			}
		}
	}
	if out.NoFollow {
		out.URLs = nil
	}
	return out
}

// add resolves a link's href and keeps it when it is an http(s) URL.
func (l *links) add(base *url.URL, attrs map[string]string) {
	href, ok := attrs["href"]
	if !ok {
		return
	}
	href = cleanHref(href)
	if href == "" || strings.HasPrefix(href, "#") || len(href) > maxURLLength {
		return
	}
	u, err := base.Parse(href) // resolves ./ and ../ too
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	u.Fragment, u.RawFragment = "", ""
	l.URLs = append(l.URLs, u)
}

// readAttrs returns a tag's attributes by lower-case name; the first of
// a repeated attribute wins, as in HTML parsing.
func readAttrs(z *html.Tokenizer) map[string]string {
	attrs := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k)
		if _, dup := attrs[key]; !dup {
			attrs[key] = string(v)
		}
		if !more {
			return attrs
		}
	}
}

// cleanHref removes what the URL standard strips from an attribute's
// URL: surrounding spaces and any tab or newline inside.
func cleanHref(href string) string {
	href = strings.TrimSpace(href)
	if strings.ContainsAny(href, "\t\n\r") {
		href = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(href)
	}
	return href
}

// metaNoFollow reports whether a <meta> asks robots, or this crawler by
// name, not to follow the page's links.
func metaNoFollow(attrs map[string]string) bool {
	name := strings.ToLower(strings.TrimSpace(attrs["name"]))
	if name != "robots" && name != Agent {
		return false
	}
	for v := range strings.SplitSeq(strings.ToLower(attrs["content"]), ",") {
		switch strings.TrimSpace(v) {
		case "nofollow", "none":
			return true
		}
	}
	return false
}

// hasToken reports whether a space-separated attribute (rel) holds tok,
// ignoring case.
func hasToken(list, tok string) bool {
	for f := range strings.FieldsSeq(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}
