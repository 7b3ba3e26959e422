package consent

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// submission is a visitor's decision as the banner or the choices page
// posts it.
type submission struct {
	// Categories and Tools hold the decisions given. A tool left out
	// takes its category's value when the category is given, and keeps
	// the visitor's earlier decision otherwise; a category left out keeps
	// the earlier decision. What was never decided is refused, but for a
	// before_choice category, which stays on unless GPC refuses it.
	Categories, Tools map[string]bool
	Method            string
	// OneByOne marks decisions taken item by item, in the preference
	// centre or with Save on the choices page, as opposed to "Accept all":
	// only those can switch on what a GPC signal refuses.
	OneByOne bool
	// GPC is set when the visitor's browser sends a Global Privacy
	// Control signal.
	GPC  bool
	Lang string
}

// badRequest is a mistake in what a visitor posted; its reason is shown to
// them as it is.
type badRequest struct{ reason string }

func (e *badRequest) Error() string { return e.reason }

// record is how every choice is made, whichever way it arrives: it decides
// the choice in from the manifest in force and the cookie r carries, stores
// its record, and sets the cookie on w.
func (h *Handler) record(ctx context.Context, w http.ResponseWriter, r *http.Request, m *manifest.Manifest, in submission) (Choice, error) {
	now := h.now()
	c, rec, err := decide(m, in, Evaluate(m, cookieValue(r), now), now)
	if err != nil {
		return Choice{}, err
	}
	if err := h.opt.Records.Add(ctx, rec); err != nil {
		return Choice{}, err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    c.CookieValue(),
		Path:     "/",
		MaxAge:   int(m.Consent.Expires.From(c.Given).Sub(c.Given) / time.Second),
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
		// Not HttpOnly: consent.js reads the choice to apply it.
	})
	return c, nil
}

// decide turns a submission into a choice and its record, given the
// visitor's state before it.
func decide(m *manifest.Manifest, in submission, prev State, now time.Time) (Choice, Record, error) {
	if err := checkIDs(m, in); err != nil {
		return Choice{}, Record{}, err
	}
	lang := in.Lang
	if lang == "" {
		lang = m.DefaultLang
	}
	if !slices.Contains(m.Languages, lang) {
		return Choice{}, Record{}, &badRequest{fmt.Sprintf("unknown language %q (the site has %s)", in.Lang, strings.Join(m.Languages, ", "))}
	}
	refused := map[string]bool{}
	if in.GPC {
		for _, id := range gpcRefused(m) {
			refused[id] = true
		}
	}
	earlier := prev.valid()

	cats := map[string]bool{}
	for _, cat := range gatedCategories(m) {
		v, given := in.Categories[cat.ID]
		if !given {
			// What the visitor leaves out stays as it was: decided
			// earlier, or on before a choice for a before_choice category
			// (GPC is applied just below).
			old, known := prev.Choice.Categories[cat.ID]
			v = cat.BeforeChoice
			if earlier && known {
				v = old
			}
		}
		if refused[cat.ID] && !(in.OneByOne && given && v) {
			v = false
		}
		cats[cat.ID] = v
	}
	tools := map[string]bool{}
	for _, t := range gatedTools(m) {
		v, given := in.Tools[t.ID]
		_, categoryGiven := in.Categories[t.Category]
		if !given {
			old, known := prev.Choice.Tools[t.ID]
			if categoryGiven || !earlier || !known {
				v = cats[t.Category]
			} else {
				v = old
			}
		}
		if refused[t.Category] && !(in.OneByOne && v && (given || categoryGiven)) {
			v = false
		}
		tools[t.ID] = v
	}

	c := Choice{
		Receipt:    newReceipt(),
		Given:      now.UTC().Truncate(time.Second),
		Version:    Version(m),
		Policy:     m.ShortHash(),
		Categories: cats,
		Tools:      tools,
	}
	rec := Record{
		Receipt:    c.Receipt,
		Given:      c.Given,
		PolicyHash: m.Hash(),
		Version:    c.Version,
		Categories: cats,
		Tools:      tools,
		Method:     in.Method,
		GPC:        in.GPC,
		Kind:       kindOf(cats, tools),
		Lang:       lang,
	}
	if prev.Present {
		rec.PrevReceipt = prev.Choice.Receipt
	}
	return c, rec, nil
}

// checkIDs refuses a submission that names a category or tool the manifest
// does not have.
func checkIDs(m *manifest.Manifest, in submission) error {
	var unknown []string
	for id := range in.Categories {
		if m.CookieCategory(id) == nil {
			unknown = append(unknown, fmt.Sprintf("unknown category %q", id))
		}
	}
	for id := range in.Tools {
		if m.Tool(id) == nil {
			unknown = append(unknown, fmt.Sprintf("unknown tool %q", id))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return &badRequest{strings.Join(unknown, "; ")}
}

// kindOf tells whether decisions accept everything, refuse everything, or
// are mixed.
func kindOf(decisions ...map[string]bool) string {
	var on, off bool
	for _, d := range decisions {
		for _, v := range d {
			on = on || v
			off = off || !v
		}
	}
	switch {
	case on && off:
		return KindCustom
	case on:
		return KindAcceptAll
	}
	return KindRejectAll
}

// cookieValue returns the value of r's noren_consent cookie, or "".
func cookieValue(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}
