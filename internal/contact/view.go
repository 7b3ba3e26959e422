package contact

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/server"
)

// formView is what templates/contact/form.html reads.
type formView struct {
	page.Layout
	Action string
	// Errors lead the page, each linking to its field, after a refused
	// post.
	Errors      []summaryError
	Fields      []fieldView
	Notice      noticeView
	NoticeRead  bool
	NoticeError string
	// Challenge is the signed challenge; Difficulty is what the script
	// needs to know of it.
	Challenge  string
	Difficulty int
	Nonce      string
}

// summaryError is one line of the error summary.
type summaryError struct {
	Href, Text string
}

type fieldView struct {
	ID, Name, Type, Label, Help, Value, Error string
	Required, Checked                         bool
	MaxLength                                 int
	Autocomplete                              string
	Options                                   []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

// HelpID is the id of the field's help text.
func (f fieldView) HelpID() string { return f.ID + "-help" }

// ErrorID is the id of the field's error message.
func (f fieldView) ErrorID() string { return f.ID + "-error" }

// DescribedBy lists the help and error of the field, error first.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	if f.Help != "" {
		ids = append(ids, f.HelpID())
	}
	return strings.Join(ids, " ")
}

// noticeView is the notice at the point of collection: what is collected,
// why, by whom, for how long, and under which policy.
type noticeView struct {
	Operator, Section string
	Email             page.Email
	Items             []noticeItem
	Purposes          []purposeView
	Handlers          []handlerView
	Retention         string
	PolicyHref        string
	PolicyVersion     string
}

type noticeItem struct {
	Label, Category, Purpose, Retention string
	Required                            bool
}

type purposeView struct{ Name, Description string }

type handlerView struct{ Name, Task string }

// inputID is the HTML id of a field's control.
func inputID(fieldID string) string { return "contact-" + fieldID }

const (
	noticeID = "contact-notice-read"
	submitID = "contact-submit"
)

func (h *Handler) layout(m *manifest.Manifest, cp *manifest.CollectionPoint, lang string) page.Layout {
	return page.New(m, lang, cp.Name.In(lang), func(lang string) string { return formPath(lang, cp.Path) })
}

// renderForm shows the form with the values of s, the errors errs, and a
// fresh challenge.
func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, cp *manifest.CollectionPoint, lang string, s submission, errs []fieldError, status int) {
	c := newChallenge(cp.ID, h.now(), h.opt.Difficulty)
	v := &formView{
		Layout:     h.layout(m, cp, lang),
		Action:     formPath(lang, cp.Path),
		Notice:     newNotice(m, cp, lang),
		NoticeRead: s.NoticeRead,
		Challenge:  h.signer.challengeToken(c),
		Difficulty: c.Difficulty,
		Nonce:      server.Nonce(r),
	}
	byField := make(map[string]string, len(errs))
	for _, e := range errs {
		switch {
		case e.Field == "":
			v.Errors = append(v.Errors, summaryError{Href: "#" + submitID, Text: e.Message})
		case e.Field == noticeInput:
			v.NoticeError = e.Message
			v.Errors = append(v.Errors, summaryError{Href: "#" + noticeID, Text: e.Message})
		default:
			byField[e.Field] = e.Message
			v.Errors = append(v.Errors, summaryError{Href: "#" + inputID(e.Field), Text: e.Message})
		}
	}
	for i := range cp.Fields {
		f := &cp.Fields[i]
		fv := fieldView{
			ID:           inputID(f.ID),
			Name:         fieldPrefix + f.ID,
			Type:         f.Type,
			Label:        f.Label.In(lang),
			Help:         f.Help.In(lang),
			Value:        s.Values[f.ID],
			Error:        byField[f.ID],
			Required:     f.Required,
			MaxLength:    maxLength(f),
			Autocomplete: autocomplete(f),
		}
		fv.Checked = f.Type == "checkbox" && fv.Value == checkboxValue
		for _, o := range f.Options {
			fv.Options = append(fv.Options, optionView{Value: o.Value, Label: o.Label.In(lang), Selected: o.Value == fv.Value})
		}
		v.Fields = append(v.Fields, fv)
	}
	h.render(w, r, "form", lang, v, status)
}

// autocomplete is the autocomplete token of a field, from its type or data
// category, so browsers can fill it in and assistive technology can tell
// its purpose.
func autocomplete(f *manifest.Field) string {
	switch f.Type {
	case "email":
		return "email"
	case "tel":
		return "tel"
	case "text":
		switch f.Category {
		case "name":
			return "name"
		case "organisation", "organization", "company":
			return "organization"
		}
	}
	return ""
}

func newNotice(m *manifest.Manifest, cp *manifest.CollectionPoint, lang string) noticeView {
	n := noticeView{
		Operator:      m.Operator.Name.In(lang),
		Section:       m.Operator.Section.In(lang),
		Email:         page.OperatorEmail(m),
		Retention:     retention(cp).Human(lang),
		PolicyHref:    "/" + lang + "/privacy",
		PolicyVersion: m.VersionLabel(),
	}
	for i := range cp.Fields {
		f := &cp.Fields[i]
		item := noticeItem{Label: f.Label.In(lang), Required: f.Required}
		if c := m.DataCategory(f.Category); c != nil {
			item.Category = c.Name.In(lang)
		}
		if p := m.Purpose(f.Purpose); p != nil {
			item.Purpose = p.Name.In(lang)
		}
		if !f.Retention.IsZero() {
			item.Retention = f.Retention.Human(lang)
		}
		n.Items = append(n.Items, item)
	}
	for _, id := range cp.Purposes {
		if p := m.Purpose(id); p != nil {
			n.Purposes = append(n.Purposes, purposeView{Name: p.Name.In(lang), Description: p.Description.In(lang)})
		}
	}
	for _, id := range cp.Handlers {
		if id == "operator" {
			name := m.Operator.Name.In(lang)
			if s := m.Operator.Section.In(lang); s != "" {
				name = i18n.T(i18n.Lang(lang), "contact.handler_section", name, s)
			}
			n.Handlers = append(n.Handlers, handlerView{Name: name})
			continue
		}
		if c := m.Contractor(id); c != nil {
			n.Handlers = append(n.Handlers, handlerView{Name: c.Name.In(lang), Task: c.Task.In(lang)})
		}
	}
	return n
}

// waitView is what templates/contact/wait.html reads: the confirmation
// step of browsers without JavaScript.
type waitView struct {
	page.Layout
	Action  string
	Seconds int
	// Left is the seconds still to wait after pressing too early, else 0.
	Left      int
	Challenge string
	Wait      string
	Hidden    []hiddenInput
	Review    []reviewItem
}

type hiddenInput struct{ Name, Value string }

type reviewItem struct{ Label, Value string }

func (h *Handler) renderWait(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, cp *manifest.CollectionPoint, lang string, s submission, challenge, wait string, left int) {
	l := i18n.Lang(lang)
	v := &waitView{
		Layout:    h.layout(m, cp, lang),
		Action:    formPath(lang, cp.Path),
		Seconds:   int(h.opt.Wait.Seconds()),
		Left:      left,
		Challenge: challenge,
		Wait:      wait,
	}
	for i := range cp.Fields {
		f := &cp.Fields[i]
		val := s.Values[f.ID]
		v.Hidden = append(v.Hidden, hiddenInput{Name: fieldPrefix + f.ID, Value: val})
		shown := val
		switch f.Type {
		case "checkbox":
			shown = i18n.T(l, "contact.no")
			if val == checkboxValue {
				shown = i18n.T(l, "contact.yes")
			}
		case "select":
			for _, o := range f.Options {
				if o.Value == val {
					shown = o.Label.In(lang)
				}
			}
		}
		v.Review = append(v.Review, reviewItem{Label: f.Label.In(lang), Value: shown})
	}
	if s.NoticeRead {
		v.Hidden = append(v.Hidden, hiddenInput{Name: noticeInput, Value: checkboxValue})
	}
	h.render(w, r, "wait", lang, v, http.StatusOK)
}

// thanksView is what templates/contact/thanks.html reads.
type thanksView struct {
	page.Layout
	Reference string
	FormHref  string
	Notice    noticeView
}

func (h *Handler) renderThanks(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, cp *manifest.CollectionPoint, lang, ref string) {
	v := &thanksView{
		Layout:    h.layout(m, cp, lang),
		Reference: ref,
		FormHref:  formPath(lang, cp.Path),
		Notice:    newNotice(m, cp, lang),
	}
	v.Title = i18n.T(i18n.Lang(lang), "contact.thanks.title")
	h.render(w, r, "thanks", lang, v, http.StatusOK)
}

// message is a page that only explains something: why a post was refused,
// or that an address is wrong.
type message int

const (
	msgTooLarge message = iota
	msgRateLimited
	msgCrossSite
	msgUnreadable
	msgNoReference
)

// messageView is what templates/contact/message.html reads.
type messageView struct {
	page.Layout
	Heading  string
	Text     []string
	FormHref string
}

func (h *Handler) renderMessage(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, cp *manifest.CollectionPoint, lang string, status int, msg message) {
	v := &messageView{Layout: h.layout(m, cp, lang), FormHref: formPath(lang, cp.Path)}
	l := i18n.Lang(lang)
	switch msg {
	case msgTooLarge:
		v.Heading = i18n.T(l, "contact.too_large.heading")
		v.Text = []string{i18n.T(l, "contact.too_large.text")}
	case msgRateLimited:
		v.Heading = i18n.T(l, "contact.rate_limited.heading")
		v.Text = []string{i18n.T(l, "contact.rate_limited.text", int(h.opt.RateWindow.Minutes()))}
	case msgCrossSite:
		v.Heading = i18n.T(l, "contact.cross_site.heading")
		v.Text = []string{i18n.T(l, "contact.cross_site.text")}
	case msgUnreadable:
		v.Heading = i18n.T(l, "contact.unreadable.heading")
		v.Text = []string{i18n.T(l, "contact.unreadable.text")}
	case msgNoReference:
		v.Heading = i18n.T(l, "contact.no_reference.heading")
		v.Text = []string{i18n.T(l, "contact.no_reference.text")}
	}
	v.Title = v.Heading
	h.render(w, r, "message", lang, v, status)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, name, lang string, v any, status int) {
	var body bytes.Buffer
	if err := h.pages[name].Execute(&body, v); err != nil {
		h.log.Error("contact: render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", lang)
	// Pages carry a single-use challenge or what the person wrote.
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}
