package contact

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/internal/server"
)

// formView is what templates/contact/form.html reads.
type formView struct {
	policy.Layout
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
	Operator, Section, Email string
	Items                    []noticeItem
	Purposes                 []purposeView
	Handlers                 []handlerView
	Retention                string
	PolicyHref               string
	PolicyVersion            string
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

func (h *Handler) layout(m *manifest.Manifest, cp *manifest.CollectionPoint, lang string) policy.Layout {
	return policy.PageLayout(m, lang, cp.Name.In(lang), func(lang string) string { return formPath(lang, cp.Path) })
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
		Email:         m.Operator.Email,
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
				name += pick(lang, "（"+s+"）", " ("+s+")")
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
	policy.Layout
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
			shown = pick(lang, "いいえ", "No")
			if val == checkboxValue {
				shown = pick(lang, "はい", "Yes")
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
	policy.Layout
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
	v.Title = pick(lang, "送信しました", "Message sent")
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
	policy.Layout
	Heading  string
	Text     []string
	FormHref string
}

func (h *Handler) renderMessage(w http.ResponseWriter, r *http.Request, m *manifest.Manifest, cp *manifest.CollectionPoint, lang string, status int, msg message) {
	v := &messageView{Layout: h.layout(m, cp, lang), FormHref: formPath(lang, cp.Path)}
	switch msg {
	case msgTooLarge:
		v.Heading = pick(lang, "送信内容が大きすぎます", "Your message is too long")
		v.Text = []string{pick(lang,
			"送信された内容が上限（32KB）を超えたため、受け付けられませんでした。ブラウザーの「戻る」でフォームに戻ると、入力内容が残っています。内容を短くして、もう一度送信してください。長い資料は、ご連絡の後にお送りいただく方法をご案内します。",
			"What was sent is larger than the limit of 32 KB, so it was not accepted. Your browser's Back button returns to the form with what you wrote; please shorten it and send it again. For long documents, we will tell you how to send them once we are in touch.")}
	case msgRateLimited:
		v.Heading = pick(lang, "しばらくしてから送信してください", "Please wait before sending again")
		v.Text = []string{pick(lang,
			"お使いのネットワークから短時間に多くの送信があったため、受け付けを一時的に止めています。"+itoa(int(h.opt.RateWindow.Minutes()))+"分ほど待ってから、もう一度送信してください。",
			"Many messages were sent from your network in a short time, so sending is paused for a while. Please wait about "+itoa(int(h.opt.RateWindow.Minutes()))+" minutes and send again.")}
	case msgCrossSite:
		v.Heading = pick(lang, "送信を受け付けられませんでした", "The message was not accepted")
		v.Text = []string{pick(lang,
			"別のサイトから送信されたため、受け付けませんでした。このサイトのフォームから送信してください。",
			"It was sent from another site, so it was not accepted. Please use the form on this site.")}
	case msgUnreadable:
		v.Heading = pick(lang, "送信内容を読み取れませんでした", "The message could not be read")
		v.Text = []string{pick(lang,
			"送信された内容の形式が正しくありませんでした。フォームから、もう一度送信してください。",
			"What was sent is not a form this page can read. Please send it again from the form.")}
	case msgNoReference:
		v.Heading = pick(lang, "受付番号がありません", "No reference number")
		v.Text = []string{pick(lang,
			"このページは、送信直後に受付番号を表示するためのものです。アドレスに正しい受付番号が含まれていません。",
			"This page shows the reference number of a message just sent, and its address holds no valid reference number.")}
	}
	v.Title = v.Heading
	h.render(w, r, "message", lang, v, status)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, page, lang string, v any, status int) {
	var body bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&body, "layout", v); err != nil {
		h.log.Error("contact: render page", "page", page, "path", r.URL.Path, "err", err)
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
