package robots

import "strings"

// Match reports whether a path matches a robots.txt pattern, which
// matches a prefix of the path: "*" stands for any run of characters and
// a final "$" anchors the end. It compares bytes as they are; Parse
// normalises the patterns it keeps and Allowed the paths it is given.
func Match(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	return globMatch(strings.TrimSuffix(pattern, "$"), path, anchored)
}

// globMatch matches s against pattern, in which "*" stands for any run of
// characters; anchored asks for the whole of s, otherwise a prefix will do.
// Taking the leftmost place for each literal piece is enough because "*"
// is the only wildcard.
func globMatch(pattern, s string, anchored bool) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	rest := s[len(parts[0]):]
	if len(parts) == 1 {
		return !anchored || rest == ""
	}
	last := len(parts) - 1
	for _, part := range parts[1:last] {
		j := strings.Index(rest, part)
		if j < 0 {
			return false
		}
		rest = rest[j+len(part):]
	}
	if anchored {
		return len(rest) >= len(parts[last]) && strings.HasSuffix(rest, parts[last])
	}
	return strings.Contains(rest, parts[last])
}

// normalisePattern makes a robots.txt pattern comparable with an escaped
// URL path: it starts with "/" or "*", non-ASCII bytes are percent-encoded
// and escapes use upper-case hex, so "/お知らせ" matches "/%E3%81%8A…".
func normalisePattern(p string) string {
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*") {
		p = "/" + p
	}
	return normalisePath(p)
}

// normalisePath percent-encodes the bytes a URL cannot hold as they are
// and upper-cases the hex digits of escapes.
func normalisePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 0x80 || c <= ' ' || c == 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
