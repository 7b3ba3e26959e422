package reports

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Key is what one report is counted under, and all that is kept of it:
// the blocked host, the directive and the page's path. None of the three
// names the visitor.
type Key struct {
	// Host is the lower-case host of the blocked URL, or one of the
	// keyword labels (LabelInline…) for code without a URL.
	Host string
	// Directive is a directive of the allow-list, or DirectiveOther.
	Directive string
	// Path is the document's path, without its query or fragment, at
	// most MaxPath bytes.
	Path string
}

// Labels counted in place of a host, for what browsers report by keyword
// rather than by URL. They start with "(" so that no host can take one.
const (
	LabelInline       = "(inline)"
	LabelEval         = "(eval)"
	LabelWasmEval     = "(wasm-eval)"
	LabelData         = "(data)"
	LabelBlob         = "(blob)"
	LabelTrustedTypes = "(trusted-types)"
)

// Other is the host, directive or path that what is past a cap is
// counted under.
const Other = "(other)"

// DirectiveOther stands for a directive outside the allow-list.
const DirectiveOther = "other"

// MaxPath bounds the path kept, in bytes.
const MaxPath = 200

// maxHost is the longest DNS name.
const maxHost = 253

// directives are the directives counted by name; any other is
// DirectiveOther, so that a forged report cannot invent labels.
var directives = map[string]bool{
	"default-src": true, "script-src": true, "script-src-elem": true, "script-src-attr": true,
	"style-src": true, "style-src-elem": true, "style-src-attr": true, "img-src": true,
	"font-src": true, "connect-src": true, "media-src": true, "object-src": true,
	"frame-src": true, "child-src": true, "worker-src": true, "manifest-src": true,
	"fenced-frame-src": true, "form-action": true, "frame-ancestors": true, "base-uri": true,
	"trusted-types": true, "require-trusted-types-for": true,
}

// IsLabel reports whether host is one of the keyword labels, not a host.
func IsLabel(host string) bool { return strings.HasPrefix(host, "(") }

// KeyOf reduces v to its key. It reports false for a report that names
// no host Noren can read, which is then not counted.
func KeyOf(v Violation) (Key, bool) {
	host, ok := blockedHost(v.BlockedURL)
	if !ok {
		return Key{}, false
	}
	path, ok := documentPath(v.DocumentURL)
	if !ok {
		return Key{}, false
	}
	return Key{Host: host, Directive: directive(v.Directive), Path: path}, true
}

func directive(d string) string {
	d = strings.ToLower(d)
	if directives[d] {
		return d
	}
	return DirectiveOther
}

// blockedHost is the host of a blocked URL, or the label of a keyword.
func blockedHost(blocked string) (string, bool) {
	switch strings.ToLower(blocked) {
	case "inline":
		return LabelInline, true
	case "eval":
		return LabelEval, true
	case "wasm-eval":
		return LabelWasmEval, true
	case "data":
		return LabelData, true
	case "blob":
		return LabelBlob, true
	case "trusted-types-policy", "trusted-types-sink":
		return LabelTrustedTypes, true
	}
	u, err := url.Parse(blocked)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "data":
		return LabelData, true
	case "blob":
		return LabelBlob, true
	case "http", "https", "ws", "wss":
	default:
		return "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" || len(host) > maxHost || !hostChars(host) {
		return "", false
	}
	return host, true
}

// hostChars accepts the characters of DNS names (in their ASCII form)
// and of IP addresses.
func hostChars(host string) bool {
	for _, c := range host {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != ':' && c != '_' {
			return false
		}
	}
	return true
}

// documentPath is the path of the document's URL, without query or
// fragment, cut to MaxPath bytes of valid UTF-8.
func documentPath(doc string) (string, bool) {
	u, err := url.Parse(doc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	p = strings.ToValidUTF8(p, "\uFFFD")
	p = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, p)
	if len(p) > MaxPath {
		cut := MaxPath
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		p = p[:cut]
	}
	return p, true
}

// documentHost is the lower-case host of the document's URL, "" when it
// has none.
func documentHost(doc string) string {
	u, err := url.Parse(doc)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}
