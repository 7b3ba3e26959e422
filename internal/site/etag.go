package site

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// injectionFormat changes whenever the rewriter's own output changes (the
// file-size notes, where things are inserted), so that ETags given out for
// pages rewritten the old way stop matching.
const injectionFormat = "noren-site-2"

// etagSuffix separates a wrapped handler's entity tag from the fingerprint
// of the injection in the ETags of injected pages.
const etagSuffix = "-noren-"

// injectionFingerprint condenses what the injection adds to one response,
// apart from its nonce, to a short token for ETags.
func injectionFingerprint(variant string) string {
	sum := sha256.Sum256([]byte(injectionFormat + "\x00" + variant))
	return hex.EncodeToString(sum[:6])
}

// entityTag is one entry of an If-None-Match list.
type entityTag struct {
	weak   bool
	opaque string // between the quotes
}

func (t entityTag) String() string {
	if t.weak {
		return `W/"` + t.opaque + `"`
	}
	return `"` + t.opaque + `"`
}

// parseETag reads a single entity tag such as `"abc"` or `W/"abc"`.
func parseETag(s string) (entityTag, bool) {
	tags, ok := parseETagList(s)
	if !ok || len(tags) != 1 {
		return entityTag{}, false
	}
	return tags[0], true
}

// parseETagList reads a comma-separated list of entity tags (RFC 9110
// section 8.8.3). Commas may occur inside the quotes, so it is scanned
// rather than split. "*" is not a list and reports false, as does any
// malformed input.
func parseETagList(s string) ([]entityTag, bool) {
	var tags []entityTag
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return tags, len(tags) > 0
		}
		var t entityTag
		if strings.HasPrefix(s, "W/") {
			t.weak = true
			s = s[2:]
		}
		if !strings.HasPrefix(s, `"`) {
			return nil, false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, false
		}
		t.opaque = s[1 : 1+end]
		s = s[2+end:]
		tags = append(tags, t)
		if rest := strings.TrimLeft(s, " \t"); rest != "" && rest[0] != ',' {
			return nil, false
		}
	}
}

// injectedETag derives the ETag of an injected page from the ETag the
// wrapped handler gave its source. It is weak: the bytes differ on every
// response because of the nonce, but the page is the same.
func injectedETag(inner, fingerprint string) (string, bool) {
	t, ok := parseETag(inner)
	if !ok {
		return "", false
	}
	return entityTag{weak: true, opaque: t.opaque + etagSuffix + fingerprint}.String(), true
}

// translateIfNoneMatch turns the ETags of injected pages in an If-None-Match
// header back into the wrapped handler's ETags, so that it can answer 304
// itself. Tags from an injection with another fingerprint are dropped: the
// page the client holds no longer matches what it would get. For a
// document request, tags that never came from an injection are dropped too:
// they can only name a page cached without Noren's pieces, such as one an
// upstream served before Noren stood in front of it. It returns the new
// header value ("" for none), the wrapped handler's tags it produced, and
// whether anything changed.
func translateIfNoneMatch(header, fingerprint string, document bool) (string, []string, bool) {
	tags, ok := parseETagList(header)
	if !ok {
		return header, nil, false
	}
	var out []string
	var inner []string
	changed := false
	for _, t := range tags {
		i := strings.LastIndex(t.opaque, etagSuffix)
		if i < 0 {
			if document {
				changed = true
			} else {
				out = append(out, t.String())
			}
			continue
		}
		changed = true
		if t.opaque[i+len(etagSuffix):] != fingerprint {
			continue
		}
		// The wrapped handler compares If-None-Match weakly, so the
		// strong form matches its tag whichever it was.
		it := entityTag{opaque: t.opaque[:i]}.String()
		out = append(out, it)
		inner = append(inner, it)
	}
	return strings.Join(out, ", "), inner, changed
}

// weakMatch reports whether an If-None-Match header matches an ETag under
// the weak comparison that RFC 9110 section 13.1.2 prescribes for it.
func weakMatch(header, etag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want, ok := parseETag(etag)
	if !ok {
		return false
	}
	tags, ok := parseETagList(header)
	if !ok {
		return false
	}
	for _, t := range tags {
		if t.opaque == want.opaque {
			return true
		}
	}
	return false
}
