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

// gatedCategories returns the cookie categories that need consent, those
// not strictly necessary, in manifest order.
func gatedCategories(m *manifest.Manifest) []*manifest.CookieCategory {
	var out []*manifest.CookieCategory
	for i := range m.CookieCategories {
		if !m.CookieCategories[i].Required {
			out = append(out, &m.CookieCategories[i])
		}
	}
	return out
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

// gpcRefused returns the categories a Global Privacy Control signal
// refuses: those marked sale_or_share, in manifest order, then those of
// consent.gpc_refuses.
func gpcRefused(m *manifest.Manifest) []string {
	var out []string
	for _, c := range gatedCategories(m) {
		if c.SaleOrShare {
			out = append(out, c.ID)
		}
	}
	for _, id := range m.Consent.GPCRefuses {
		if c := m.CookieCategory(id); c != nil && !c.Required && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
