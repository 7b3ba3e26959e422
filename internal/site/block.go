package site

import (
	"iter"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// The functions below tell where the URLs in a page's attributes lead, the
// way a browser reads them, so that tag rewriters can hold back requests to
// other sites. They lean towards finding a host: a URL a browser would
// refuse may still be reported as naming one.

// URLHost returns the host a browser contacts to fetch ref, a URL written in
// an attribute of a page served over HTTP or HTTPS: in lower case, in ASCII
// (international names in their xn-- form), without port, user name or
// trailing dot. It returns "" when ref names no host: relative references,
// which stay on the page's own site, and URLs such as data:, blob: or
// javascript: that fetch nothing from the network.
func URLHost(ref string) string {
	s := browserURL(ref)
	var rest string
	if scheme, after, ok := cutScheme(s); ok {
		if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
			return ""
		}
		// Any number of slashes, even none, may precede the host.
		rest = strings.TrimLeft(after, "/")
	} else {
		if !strings.HasPrefix(s, "//") {
			return ""
		}
		rest = strings.TrimLeft(s, "/")
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if strings.HasPrefix(rest, "[") {
		if i := strings.IndexByte(rest, ']'); i >= 0 {
			return strings.ToLower(rest[:i+1])
		}
		return ""
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		rest = rest[:i]
	}
	return normalizeHost(rest)
}

// RelativeURL reports whether ref, a URL written in an attribute, is a
// relative reference as a browser reads it: no scheme and no host, such as
// "/a.js", "a.js" or "../a.js", which leads to the page's own site (a <base>
// elsewhere aside, which the Content-Security-Policy's base-uri forbids).
// "//host/a.js", "javascript:…", "data:…" and an empty ref are not.
func RelativeURL(ref string) bool {
	s := browserURL(ref)
	if s == "" || strings.HasPrefix(s, "//") {
		return false
	}
	_, _, scheme := cutScheme(s)
	return !scheme
}

// browserURL returns ref as a browser parses it: without leading and
// trailing spaces and control characters, without the tabs and newlines
// browsers drop anywhere in a URL, and with backslashes read as slashes,
// as they are in http(s) URLs.
func browserURL(ref string) string {
	s := strings.TrimFunc(ref, func(r rune) bool { return r <= ' ' })
	if !strings.ContainsAny(s, "\t\n\r\\") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, s)
}

// cutScheme splits a URL that starts with a scheme ("https:") into the
// scheme and what follows the colon.
func cutScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return s[:i], s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// normalizeHost turns the host part of a URL into the name a browser looks
// up: percent-escapes decoded, international names and full-width
// characters mapped to ASCII, lower case, no trailing dots.
func normalizeHost(h string) string {
	if strings.IndexByte(h, '%') >= 0 {
		d, err := url.PathUnescape(h)
		if err != nil || strings.ContainsFunc(d, forbiddenInHost) {
			// Browsers refuse such a URL and fetch nothing.
			return ""
		}
		h = d
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		if a, err := idna.Lookup.ToASCII(h); err == nil {
			h = a
		}
	}
	h = strings.ToLower(h)
	return strings.TrimRight(h, ".")
}

// forbiddenInHost reports whether a browser refuses r in a host name.
func forbiddenInHost(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune("#%/:<>?@[\\]^|", r)
}

// HostMatches reports whether host, as URLHost returns it, is named by
// pattern: a lower-case host name, or "*." and a domain for any name under
// that domain (but not the domain itself), as in a Content-Security-Policy.
func HostMatches(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok && strings.HasPrefix(suffix, ".") {
		return len(host) > len(suffix) && strings.HasSuffix(host, suffix)
	}
	return host != "" && host == pattern
}

// SrcsetURLs yields the URLs of a srcset attribute (on <img>, <source>, or
// imagesrcset on <link>), without their width or density descriptors.
func SrcsetURLs(srcset string) iter.Seq[string] {
	return func(yield func(string) bool) {
		s := srcset
		for {
			s = strings.TrimLeft(s, "\t\n\f\r ,")
			if s == "" {
				return
			}
			end := strings.IndexAny(s, "\t\n\f\r ")
			if end < 0 {
				end = len(s)
			}
			u := s[:end]
			s = s[end:]
			if trimmed := strings.TrimRight(u, ","); trimmed != u {
				// A comma right after the URL ends the candidate.
				if !yield(trimmed) {
					return
				}
				continue
			}
			if !yield(u) {
				return
			}
			// Skip the descriptors, up to a comma outside parentheses.
			depth := 0
			i := 0
			for ; i < len(s); i++ {
				switch s[i] {
				case '(':
					depth++
				case ')':
					if depth > 0 {
						depth--
					}
				}
				if s[i] == ',' && depth == 0 {
					break
				}
			}
			s = s[i:]
		}
	}
}

// MayNameHost reports whether the source of a start tag could hold a URL
// that names a host: one with a scheme, two slashes in a row (even split by
// the tabs and newlines browsers ignore, or written as backslashes), or a
// character reference that could spell either. Tags without any need no
// closer look, which keeps pages of relative links cheap to rewrite.
func MayNameHost(raw []byte) bool {
	slash := false // the last byte that counts was a slash
	for _, c := range raw {
		switch c {
		case ':', '&':
			return true
		case '/', '\\':
			if slash {
				return true
			}
			slash = true
		case '\t', '\n', '\r':
		default:
			slash = false
		}
	}
	return false
}
