package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/noren-web/noren/internal/manifest"
)

// Version is the consent version of m: the first 12 hex digits of the
// SHA-256 of the sorted lines "category:<id>" for every category that needs
// consent and "tool:<id>:<category>" for every tool that does, each line
// ending in a newline. Only adding, removing or moving something that needs
// consent changes it; rewording does not.
func Version(m *manifest.Manifest) string {
	var lines []string
	for _, c := range gatedCategories(m) {
		lines = append(lines, "category:"+c.ID)
	}
	for _, t := range gatedTools(m) {
		lines = append(lines, "tool:"+t.ID+":"+t.Category)
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// gatedCategories returns the cookie categories that need consent, in
// manifest order: those not strictly necessary that the manifest lists
// itself or that a tool or a cookie of the manifest belongs to. A
// built-in category the site neither lists nor uses would ask for consent
// to nothing, so it is neither offered nor recorded; once a tool or a
// cookie joins it, it is missing from every choice made before, which is
// then stale. One the manifest lists is offered even when empty: the
// site's own scripts may be held back by it (data-noren-category).
func gatedCategories(m *manifest.Manifest) []*manifest.CookieCategory {
	var out []*manifest.CookieCategory
	for i := range m.CookieCategories {
		if c := &m.CookieCategories[i]; !c.Required && offered(m, c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// categoryGated reports whether the cookie category id needs consent: it
// is one of gatedCategories.
func categoryGated(m *manifest.Manifest, id string) bool {
	c := m.CookieCategory(id)
	return c != nil && !c.Required && offered(m, id)
}

// offered reports whether the cookie category id is one to ask about: the
// manifest lists it, or a tool or a cookie of m belongs to it.
func offered(m *manifest.Manifest, id string) bool {
	if m.CategoryDeclared(id) {
		return true
	}
	for i := range m.Tools {
		t := &m.Tools[i]
		if t.Category == id || slices.ContainsFunc(t.Cookies, func(c manifest.Cookie) bool { return c.Category == id }) {
			return true
		}
	}
	return false
}

// gatedTools returns the tools that need consent, in manifest order.
func gatedTools(m *manifest.Manifest) []*manifest.Tool {
	var out []*manifest.Tool
	for i := range m.Tools {
		if toolGated(m, &m.Tools[i]) {
			out = append(out, &m.Tools[i])
		}
	}
	return out
}

// toolGated reports whether t needs consent: whether its category does.
func toolGated(m *manifest.Manifest, t *manifest.Tool) bool {
	c := m.CookieCategory(t.Category)
	return c != nil && !c.Required
}

// gpcRefused returns the categories needing consent that a Global Privacy
// Control signal refuses: those marked sale_or_share, in manifest order,
// then those of consent.gpc_refuses.
func gpcRefused(m *manifest.Manifest) []string {
	var out []string
	for _, c := range gatedCategories(m) {
		if c.SaleOrShare {
			out = append(out, c.ID)
		}
	}
	for _, id := range m.Consent.GPCRefuses {
		if categoryGated(m, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// preset reports whether the gated category cat is on for a visitor who has
// not decided on it: only a before_choice category is, and not when the
// visitor's browser sends a Global Privacy Control signal (gpc) that
// refuses it.
func preset(m *manifest.Manifest, cat *manifest.CookieCategory, gpc bool) bool {
	return cat.BeforeChoice && !(gpc && slices.Contains(gpcRefused(m), cat.ID))
}

// categoryOn reports whether the gated category cat is on for the visitor
// in st: as the choice in force decides, or else as preset.
func categoryOn(m *manifest.Manifest, st State, cat *manifest.CookieCategory, gpc bool) bool {
	if v, ok := st.Choice.Categories[cat.ID]; ok && st.valid() {
		return v
	}
	return preset(m, cat, gpc)
}

// toolOn reports whether the gated tool t is on for the visitor in st: as
// the choice in force decides by the tool's own entry. A tool the choice
// does not name is off, unless its category runs before a choice: then
// the category's entry decides, or else preset, so that a visitor who
// never refused such a category is not refused it by a tool added since.
func toolOn(m *manifest.Manifest, st State, t *manifest.Tool, gpc bool) bool {
	if v, ok := st.Choice.Tools[t.ID]; ok && st.valid() {
		return v
	}
	cat := m.CookieCategory(t.Category)
	return cat != nil && cat.BeforeChoice && categoryOn(m, st, cat, gpc)
}
