package consent

import (
	"net/http"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// State is what a visitor's cookie says under the manifest in force.
type State struct {
	// Choice is the visitor's choice; zero unless Present.
	Choice Choice
	// Present is set when the request carried a well-formed cookie.
	Present bool
	// Stale is set when something needing consent is missing from the
	// choice, so the banner asks again about what is new.
	Stale bool
	// Expired is set when the choice is older than consent.expires; it
	// then counts as no choice at all.
	Expired bool
	// New lists the ids of the categories, then the tools, that need
	// consent and are missing from the choice, in manifest order.
	New []string
}

// Evaluate reads the value of a noren_consent cookie ("" when there is
// none) against m at now. A malformed value counts as no cookie.
func Evaluate(m *manifest.Manifest, cookieValue string, now time.Time) State {
	if cookieValue == "" {
		return State{}
	}
	c, err := ParseCookie(cookieValue)
	if err != nil {
		return State{}
	}
	st := State{Choice: c, Present: true}
	st.Expired = m.Consent.Expires.From(c.Given).Before(now)
	for _, cat := range gatedCategories(m) {
		if _, ok := c.Categories[cat.ID]; !ok {
			st.New = append(st.New, cat.ID)
		}
	}
	for _, t := range gatedTools(m) {
		if _, ok := c.Tools[t.ID]; !ok {
			st.New = append(st.New, t.ID)
		}
	}
	st.Stale = len(st.New) > 0
	return st
}

// valid reports whether the state holds a choice that is in force: present
// and not expired. A stale choice still decides what it covers.
func (st State) valid() bool { return st.Present && !st.Expired }

// Allowed reports whether the tool toolID may run for the visitor in st,
// whose browser sends a Global Privacy Control signal when gpc is set. A
// tool that needs no consent always may. One that does may not when the
// signal refuses its category, whatever an older choice said; otherwise
// it may when the visitor's choice in force accepts it by its own entry,
// or when its category runs before a choice (before_choice) and the
// visitor has not refused it. Unknown tools may not.
func Allowed(m *manifest.Manifest, st State, toolID string, gpc bool) bool {
	t := m.Tool(toolID)
	if t == nil {
		return false
	}
	if !toolGated(m, t) {
		return true
	}
	if gpc && slices.Contains(gpcRefused(m), t.Category) {
		return false
	}
	return toolOn(m, st, t, gpc)
}

// AllowedFor reports whether tool toolID may run for the visitor making r
// at now: Allowed on the request's noren_consent cookie and its Sec-GPC
// header.
func AllowedFor(m *manifest.Manifest, r *http.Request, toolID string, now time.Time) bool {
	return Allowed(m, Evaluate(m, cookieValue(r), now), toolID, GPC(r))
}

// Gated reports whether tool toolID needs the visitor's consent: its
// category is not a required one.
func Gated(m *manifest.Manifest, toolID string) bool {
	t := m.Tool(toolID)
	return t != nil && toolGated(m, t)
}
