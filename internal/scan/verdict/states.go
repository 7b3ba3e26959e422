package verdict

import (
	"slices"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/visit"
)

// rules answers, for a manifest, whether a tool or a cookie category may
// run in each state of a scan.
type rules struct {
	m  *manifest.Manifest
	st map[visit.State]consent.State
}

// newRules builds the consent state of each of the four states as the
// consent package reads a visitor's: no cookie for NoChoice and GPC, and
// the cookie NorenCookie writes for AcceptAll and RejectAll.
func newRules(m *manifest.Manifest, at time.Time) *rules {
	return &rules{m: m, st: map[visit.State]consent.State{
		visit.NoChoice:  {},
		visit.GPC:       {},
		visit.AcceptAll: consent.Evaluate(m, allChoice(m, true, at).CookieValue(), at),
		visit.RejectAll: consent.Evaluate(m, allChoice(m, false, at).CookieValue(), at),
	}}
}

// known reports whether s is one of the four states the rules know.
func (r *rules) known(s visit.State) bool {
	_, ok := r.st[s]
	return ok
}

// toolAllowed reports whether the tool may run in state s.
func (r *rules) toolAllowed(t *manifest.Tool, s visit.State) bool {
	return consent.Allowed(r.m, r.st[s], t.ID, s == visit.GPC)
}

// allowed reports whether what d declares may be seen in state s: its tool
// may run, and a cookie or storage key filed under another category than
// its tool's is on too. A cookie of a required category never needs
// consent.
func (r *rules) allowed(d *declaration, s visit.State) bool {
	if d.cookie != nil {
		if cat := r.m.CookieCategory(d.cookie.Category); cat != nil && cat.Required {
			return true
		}
	}
	if !r.toolAllowed(d.tool, s) {
		return false
	}
	if d.cookie == nil || d.cookie.Category == d.tool.Category {
		return true
	}
	cat := r.m.CookieCategory(d.cookie.Category)
	return cat == nil || r.categoryOn(cat, s)
}

// categoryOn reports whether the gated category cat is on in state s:
// accepted in AcceptAll, refused in RejectAll, and before a choice on
// only when it runs before one, unless GPC refuses it.
func (r *rules) categoryOn(cat *manifest.CookieCategory, s visit.State) bool {
	switch s {
	case visit.AcceptAll:
		return true
	case visit.RejectAll:
		return false
	case visit.GPC:
		return cat.BeforeChoice && !cat.SaleOrShare && !slices.Contains(r.m.Consent.GPCRefuses, cat.ID)
	}
	return cat.BeforeChoice
}
