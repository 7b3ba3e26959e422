package verdict

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/visit"
)

// NorenCookie returns the value of Noren's consent cookie (noren_consent)
// for a visitor who accepted (AcceptAll) or refused (RejectAll) every
// category and tool of m that needs consent, chosen at now; "" for the
// other states and without a manifest. A scan writes it when a Noren
// site's banner cannot be pressed, so that the state is still visited.
func NorenCookie(m *manifest.Manifest, s visit.State, now time.Time) string {
	if m == nil || (s != visit.AcceptAll && s != visit.RejectAll) {
		return ""
	}
	return allChoice(m, s == visit.AcceptAll, now).CookieValue()
}

// allChoice is the choice deciding every gated category and tool of m
// alike: accepted when accept, refused otherwise.
func allChoice(m *manifest.Manifest, accept bool, now time.Time) consent.Choice {
	c := consent.Choice{
		Receipt:    receipt(),
		Given:      now.UTC().Truncate(time.Second),
		Version:    consent.Version(m),
		Policy:     m.ShortHash(),
		Categories: map[string]bool{},
		Tools:      map[string]bool{},
	}
	for _, cat := range m.CookieCategories {
		if !cat.Required && offered(m, cat.ID) {
			c.Categories[cat.ID] = accept
		}
	}
	for _, t := range m.Tools {
		if consent.Gated(m, t.ID) {
			c.Tools[t.ID] = accept
		}
	}
	return c
}

// offered reports whether the banner asks about the cookie category id:
// the manifest lists it, or one of its tools or cookies belongs to it. A
// choice naming other categories would still be read, but would record
// decisions on nothing.
func offered(m *manifest.Manifest, id string) bool {
	if m.CategoryDeclared(id) {
		return true
	}
	for _, t := range m.Tools {
		if t.Category == id || slices.ContainsFunc(t.Cookies, func(c manifest.Cookie) bool { return c.Category == id }) {
			return true
		}
	}
	return false
}

// receipt returns a fresh receipt in the consent cookie's format: 16
// random bytes in unpadded base64url, never starting with '-' so that a
// spreadsheet never takes one for a formula.
func receipt() string {
	for {
		var b [16]byte
		rand.Read(b[:])
		if s := base64.RawURLEncoding.EncodeToString(b[:]); s[0] != '-' {
			return s
		}
	}
}
