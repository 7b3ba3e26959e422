// Package entitytag reads HTTP entity tags (RFC 9110 section 8.8.3) as
// ETag and If-None-Match carry them, and compares them.
package entitytag

import "strings"

// Tag is one entity tag.
type Tag struct {
	Weak   bool
	Opaque string // between the quotes
}

// String is the tag as a header writes it.
func (t Tag) String() string {
	if t.Weak {
		return `W/"` + t.Opaque + `"`
	}
	return `"` + t.Opaque + `"`
}

// Parse reads a single entity tag such as `"abc"` or `W/"abc"`.
func Parse(s string) (Tag, bool) {
	tags, ok := ParseList(s)
	if !ok || len(tags) != 1 {
		return Tag{}, false
	}
	return tags[0], true
}

// ParseList reads a comma-separated list of entity tags. Commas may occur
// inside the quotes, so it is scanned rather than split. "*" is not a list
// and reports false, as does any malformed input.
func ParseList(s string) ([]Tag, bool) {
	var tags []Tag
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return tags, len(tags) > 0
		}
		var t Tag
		if strings.HasPrefix(s, "W/") {
			t.Weak = true
			s = s[2:]
		}
		if !strings.HasPrefix(s, `"`) {
			return nil, false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, false
		}
		t.Opaque = s[1 : 1+end]
		s = s[2+end:]
		tags = append(tags, t)
		if rest := strings.TrimLeft(s, " \t"); rest != "" && rest[0] != ',' {
			return nil, false
		}
	}
}

// WeakMatch reports whether an If-None-Match header matches an ETag under
// the weak comparison that RFC 9110 section 13.1.2 prescribes for it.
func WeakMatch(header, etag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want, ok := Parse(etag)
	if !ok {
		return false
	}
	tags, ok := ParseList(header)
	if !ok {
		return false
	}
	for _, t := range tags {
		if t.Opaque == want.Opaque {
			return true
		}
	}
	return false
}
