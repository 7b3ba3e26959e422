package site

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/noren-web/noren/internal/entitytag"
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

// injectedETag derives the ETag of an injected page from the ETag the
// wrapped handler gave its source. It is weak: the bytes differ on every
// response because of the nonce, but the page is the same.
func injectedETag(inner, fingerprint string) (string, bool) {
	t, ok := entitytag.Parse(inner)
	if !ok {
		return "", false
	}
	return entitytag.Tag{Weak: true, Opaque: t.Opaque + etagSuffix + fingerprint}.String(), true
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
	tags, ok := entitytag.ParseList(header)
	if !ok {
		return header, nil, false
	}
	var out []string
	var inner []string
	changed := false
	for _, t := range tags {
		i := strings.LastIndex(t.Opaque, etagSuffix)
		if i < 0 {
			if document {
				changed = true
			} else {
				out = append(out, t.String())
			}
			continue
		}
		changed = true
		if t.Opaque[i+len(etagSuffix):] != fingerprint {
			continue
		}
		// The wrapped handler compares If-None-Match weakly, so the
		// strong form matches its tag whichever it was.
		it := entitytag.Tag{Opaque: t.Opaque[:i]}.String()
		out = append(out, it)
		inner = append(inner, it)
	}
	return strings.Join(out, ", "), inner, changed
}
