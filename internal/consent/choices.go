package consent

import (
	"bytes"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/timefmt"
)

// Form actions of the choices page, the values of its submit buttons.
const (
	actionSave      = "save"
	actionAcceptAll = "accept_all"
	actionRejectAll = "reject_all"
)

// versionField is the hidden field in which the choices form posts back
// the consent version the page was shown under.
const versionField = "consent_version"

// choicesView is what templates/consent/choices.html reads.
type choicesView struct {
	page.Layout
	T       texts
	Action  string
	Expires string
	GPC     bool
	// ConsentVersion is the consent version the page is shown under,
	// which its form posts back.
	ConsentVersion string
	// Errors lead the page when a posted form was refused.
	Errors []formError
	// Saved confirms the choice just made, after the redirect that
	// follows a post; CookieMissing is set when the browser did not send
	// it back.
	Saved         *receiptView
	CookieMissing bool
	// Current is the choice in the visitor's cookie, if any.
	Current *receiptView
	Expired bool
	// New names what needs consent and is missing from the current
	// choice, as a list in the page's language.
	New string
	// BeforeChoice names the categories that are on for the visitor until
	// they refuse them, as a list in the page's language.
	BeforeChoice string
	// ToolSwitches is set when some category that needs consent has
	// services to switch one by one.
	ToolSwitches bool
	Categories   []categoryView
}

type formError struct {
	Href, Text string
}

type categoryView struct {
	ID, Name, Description string
	Required, Checked     bool
	New                   bool
	// Note says why the category is on or off as it is: always on, off
	// by a GPC signal, or on until refused; "" for none.
	Note  string
	Tools []toolView
}

type toolView struct {
	ID, Name, Recipient, Country, Sent, Purpose, Policy string
	ThirdParty, New, Checked                            bool
}

// receiptView shows a choice: its receipt, when it was made, under which
// policy, and what it decided.
type receiptView struct {
	Receipt       string
	Given         string
	GivenISO      string
	Policy        string
	CurrentPolicy bool
	Categories    []decisionView
	Tools         []decisionView
}

// decisionView is one decision: the name of what it is about and whether
// it was allowed, in words.
type decisionView struct {
	Name, State string
}

func newDecisionView(lang, name string, allowed bool) decisionView {
	if allowed {
		return decisionView{name, i18n.T(i18n.Lang(lang), "consent.choices.allowed")}
	}
	return decisionView{name, i18n.T(i18n.Lang(lang), "consent.choices.refused")}
}

// choicesPage serves the choices page in lang.
func (h *Handler) choicesPage(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.opt.Manifest()
		if !slices.Contains(m.Languages, lang) {
			http.NotFound(w, r)
			return
		}
		v := h.choices(m, lang, r)
		if saved := r.URL.Query().Get("saved"); validReceipt(saved) {
			// An unknown receipt shows no confirmation; the page itself
			// still serves.
			rec, err := h.opt.Records.Get(r.Context(), saved)
			switch {
			case err == nil:
				v.Saved = recordReceipt(m, lang, rec, h.opt.Location)
				v.CookieMissing = v.Current == nil || v.Current.Receipt != saved
			case !errors.Is(err, store.ErrNotFound):
				h.log.Error("choices page: read the saved choice", "err", err)
			}
		}
		h.render(w, r, v, http.StatusOK)
	})
}

// choicesForm records a choice posted from the choices page, the way
// POST /api/consent does, and sends the visitor back to the page.
func (h *Handler) choicesForm(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.opt.Manifest()
		if !slices.Contains(m.Languages, lang) {
			http.NotFound(w, r)
			return
		}
		if err := h.crossSite.Check(r); err != nil {
			http.Error(w, "cross-site requests are refused", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
				http.Error(w, "the form is larger than "+strconv.Itoa(maxBody)+" bytes", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "the form cannot be read", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get(versionField) != Version(m) {
			// The boxes were shown for other categories or services, or
			// by no page of this version at all: read against the
			// manifest in force, they could record what the visitor
			// never saw.
			h.refuse(w, r, m, lang, http.StatusConflict, formError{Href: firstChoice(m), Text: i18n.T(i18n.Lang(lang), "consent.choices.version_changed")})
			return
		}
		in := submission{Method: MethodNoJS, GPC: GPC(r), Lang: lang, Categories: map[string]bool{}}
		action := r.PostForm.Get("action")
		switch action {
		case actionAcceptAll, actionRejectAll:
			for _, c := range gatedCategories(m) {
				in.Categories[c.ID] = action == actionAcceptAll
			}
		case actionSave:
			in.OneByOne = true
			in.Tools = map[string]bool{}
			for _, c := range gatedCategories(m) {
				in.Categories[c.ID] = false
			}
			for _, id := range r.PostForm["category"] {
				in.Categories[id] = true
			}
			for _, id := range r.PostForm["tool"] {
				in.Tools[id] = true
			}
			settleTools(m, in, ticked(r.PostForm["shown_category"]), ticked(r.PostForm["shown_tool"]))
		default:
			h.refuse(w, r, m, lang, http.StatusBadRequest, formError{Href: "#choices-save", Text: i18n.T(i18n.Lang(lang), "consent.choices.no_button")})
			return
		}
		c, err := h.record(r.Context(), w, r, m, in)
		var bad *badRequest
		switch {
		case errors.As(err, &bad):
			// The version matched, so only a form not written by this
			// page names unknown categories.
			h.refuse(w, r, m, lang, http.StatusBadRequest, formError{Href: firstChoice(m), Text: i18n.T(i18n.Lang(lang), "consent.choices.changed", bad.reason)})
			return
		case err != nil:
			h.log.Error("record consent", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, ChoicesPath(lang)+"?saved="+c.Receipt, http.StatusSeeOther)
	})
}

// settleTools completes the decisions of a saved choices form, in which no
// script ticks a category's services with it, as the preference centre
// does. It compares the boxes with how the page showed them (shownCats,
// shownTools): when the visitor ticked or unticked a category, its
// services whose boxes were left as shown follow it; a service ticked
// allows its category; every service not ticked is refused.
func settleTools(m *manifest.Manifest, in submission, shownCats, shownTools map[string]bool) {
	for _, c := range gatedCategories(m) {
		on := in.Categories[c.ID]
		flipped := on != shownCats[c.ID]
		anyTool := false
		for _, t := range gatedTools(m) {
			if t.Category != c.ID {
				continue
			}
			v := in.Tools[t.ID]
			if flipped && v == shownTools[t.ID] {
				v = on
			}
			in.Tools[t.ID] = v
			anyTool = anyTool || v
		}
		in.Categories[c.ID] = on || anyTool
	}
}

// ticked is the set of the values of a form's checkboxes.
func ticked(values []string) map[string]bool {
	set := make(map[string]bool, len(values))
	for _, v := range values {
		set[v] = true
	}
	return set
}

// refuse shows the choices page again under m, with status and the
// reason the post failed.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, lang string, status int, e formError) {
	v := h.choices(m, lang, r)
	v.Errors = []formError{e}
	h.render(w, r, v, status)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *choicesView, status int) {
	var body bytes.Buffer
	if err := h.page.Execute(&body, v); err != nil {
		h.log.Error("choices page", "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", v.Lang)
	// The page shows the visitor's own choice, so no cache may keep it.
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}

// choices gathers the page's view for the visitor of r.
func (h *Handler) choices(m *manifest.Manifest, lang string, r *http.Request) *choicesView {
	st := Evaluate(m, cookieValue(r), h.now())
	gpc := GPC(r)
	l := i18n.Lang(lang)
	v := &choicesView{
		Layout:         newLayoutView(m, lang),
		T:              textsFor(m, lang),
		Action:         ChoicesPath(lang),
		Expires:        m.Consent.Expires.Human(lang),
		GPC:            gpc,
		Expired:        st.Present && st.Expired,
		ConsentVersion: Version(m),
	}
	if st.Present {
		v.Current = choiceReceipt(m, lang, st.Choice, h.opt.Location)
		var names []string
		for _, id := range st.New {
			// The page says that these stay off until allowed, which
			// is not so for what runs before a choice.
			if !runsBeforeChoice(m, id) {
				names = append(names, itemName(m, lang, id))
			}
		}
		v.New = strings.Join(names, i18n.T(l, "consent.choices.list_separator"))
	}
	refused := gpcRefused(m)
	var early []string
	for i := range m.CookieCategories {
		c := &m.CookieCategories[i]
		if !c.Required && !categoryGated(m, c.ID) {
			continue
		}
		cv := categoryView{
			ID:          c.ID,
			Name:        c.Name.In(lang),
			Description: c.Description.In(lang),
			Required:    c.Required,
			Checked:     c.Required || categoryOn(m, st, c, gpc),
		}
		switch {
		case c.Required:
			cv.Note = i18n.T(l, "consent.choices.required_note")
		case gpc && slices.Contains(refused, c.ID):
			cv.Note = i18n.T(l, "consent.choices.gpc_refused_note", v.T.Save)
		case c.BeforeChoice:
			cv.Note = i18n.T(l, "consent.choices.before_choice_note", v.T.Save)
			early = append(early, i18n.T(l, "consent.choices.quote", cv.Name))
		}
		if !c.Required && st.Present {
			_, had := st.Choice.Categories[c.ID]
			cv.New = !had
		}
		for i := range m.Tools {
			t := &m.Tools[i]
			if t.Category != c.ID {
				continue
			}
			tv := toolView{
				ID:         t.ID,
				Name:       t.Name.In(lang),
				Recipient:  recipient(m, t, lang),
				Country:    i18n.Country(l, t.Country),
				Sent:       t.InformationSent.In(lang),
				Purpose:    t.Purpose.In(lang),
				Policy:     t.PrivacyPolicy,
				ThirdParty: t.Party == "third",
				Checked:    c.Required || toolOn(m, st, t, gpc),
			}
			if !c.Required && st.Present {
				_, had := st.Choice.Tools[t.ID]
				tv.New = !had
			}
			v.ToolSwitches = v.ToolSwitches || !c.Required
			cv.Tools = append(cv.Tools, tv)
		}
		v.Categories = append(v.Categories, cv)
	}
	v.BeforeChoice = strings.Join(early, i18n.T(l, "consent.choices.list_separator"))
	return v
}

// firstChoice is the address of the first checkbox a visitor can change,
// where the error summary leads.
func firstChoice(m *manifest.Manifest) string {
	if cats := gatedCategories(m); len(cats) > 0 {
		return "#consent-" + cats[0].ID
	}
	return "#choices-form"
}

// runsBeforeChoice reports whether id is a category that runs before a
// choice, or a tool of one.
func runsBeforeChoice(m *manifest.Manifest, id string) bool {
	if t := m.Tool(id); t != nil {
		id = t.Category
	}
	c := m.CookieCategory(id)
	return c != nil && c.BeforeChoice
}

// itemName is the name of the category or tool id in lang, or the id when
// the manifest no longer has it.
func itemName(m *manifest.Manifest, lang, id string) string {
	if c := m.CookieCategory(id); c != nil {
		return c.Name.In(lang)
	}
	if t := m.Tool(id); t != nil {
		return t.Name.In(lang)
	}
	return id
}

// choiceReceipt shows the choice a cookie holds.
func choiceReceipt(m *manifest.Manifest, lang string, c Choice, loc *time.Location) *receiptView {
	v := &receiptView{
		Receipt:       c.Receipt,
		Given:         timefmt.Instant(lang, c.Given, loc),
		GivenISO:      c.Given.UTC().Format(time.RFC3339),
		Policy:        c.Policy,
		CurrentPolicy: c.Policy == m.ShortHash(),
	}
	if v.CurrentPolicy {
		v.Policy = m.VersionLabel()
	}
	v.Categories, v.Tools = decisionViews(m, lang, c.Categories, c.Tools)
	return v
}

// recordReceipt shows a stored choice.
func recordReceipt(m *manifest.Manifest, lang string, rec Record, loc *time.Location) *receiptView {
	c := Choice{Receipt: rec.Receipt, Given: rec.Given, Version: rec.Version, Categories: rec.Categories, Tools: rec.Tools}
	c.Policy = rec.PolicyHash
	if len(c.Policy) > 12 {
		c.Policy = c.Policy[:12]
	}
	return choiceReceipt(m, lang, c, loc)
}

// decisionViews lists decisions in manifest order, then those on things
// the manifest no longer has, by id.
func decisionViews(m *manifest.Manifest, lang string, cats, tools map[string]bool) (catViews, toolViews []decisionView) {
	for _, c := range m.CookieCategories {
		if v, ok := cats[c.ID]; ok {
			catViews = append(catViews, newDecisionView(lang, c.Name.In(lang), v))
		}
	}
	for _, t := range m.Tools {
		if v, ok := tools[t.ID]; ok {
			toolViews = append(toolViews, newDecisionView(lang, t.Name.In(lang), v))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(cats)) {
		if m.CookieCategory(id) == nil {
			catViews = append(catViews, newDecisionView(lang, id, cats[id]))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(tools)) {
		if m.Tool(id) == nil {
			toolViews = append(toolViews, newDecisionView(lang, id, tools[id]))
		}
	}
	return catViews, toolViews
}
