package inbox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
)

// listPage is how many submissions the inbox lists per page.
const listPage = 50

// Limits of a reply typed in the console.
const (
	maxReplySubject = 200
	maxReplyText    = 20000
)

// inboxRow is a submission in the list: nothing the person wrote.
type inboxRow struct {
	contact.Submission
	FormName string
	Assigned string
}

// inboxView is the inbox list's data.
type inboxView struct {
	On       bool
	Forms    []admin.Option
	Statuses []admin.Option
	Rows     []inboxRow
	// Older and Newer are the query strings of the neighbouring pages, or
	// "" when there is none.
	Older, Newer string
}

// submissionView is the data of a submission's page, and of the page that
// shows it opened.
type submissionView struct {
	inboxRow
	Purposes []admin.Option
	Statuses []admin.Option
	Staff    []admin.Option
	// Opened only: the purpose stated, the values and the notes.
	Purpose     string
	PurposeName string
	Values      []fieldValue
	Notes       []contact.Note
	// CanReply means the submission holds an address and mail is set up;
	// MailOff means mail is not set up at all.
	CanReply bool
	MailOff  bool
}

// fieldValue is one answer of an opened submission.
type fieldValue struct {
	Label, Value string
	Long         bool // shown as preformatted text
	// Expired means the answer was deleted at the end of the field's own
	// retention.
	Expired bool
}

// inboxForms returns the forms the account may handle; nil with all true
// means every form.
func inboxForms(u account.User) (forms []string, all bool) {
	if !u.Role.FormScoped() {
		return nil, true
	}
	return u.Forms, false
}

func (s *section) inboxPage(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	m := s.c.Manifest()
	v := inboxView{On: s.subs != nil}
	q := r.URL.Query()
	form, status := q.Get("form"), q.Get("status")
	forms, all := inboxForms(rq.User())
	if form != "" && !rq.User().MayHandleForm(form) {
		s.c.Deny(w, r, rq)
		return
	}
	if status != "" && !slices.Contains(contact.Statuses(), status) {
		s.c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	for _, f := range formsFor(m, rq.User(), rq.Lang()) {
		v.Forms = append(v.Forms, admin.Option{Value: f.ID, Label: f.Name, Selected: f.ID == form})
	}
	v.Statuses = statusOptions(rq.Lang(), status)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 0)
	if form != "" {
		forms, all = []string{form}, false
	}
	if v.On && (all || len(forms) > 0) {
		list, err := s.subs.List(ctx, contact.InboxFilter{Forms: forms, Status: status, Limit: listPage + 1, Offset: page * listPage})
		if err != nil {
			s.c.Internal(w, r, rq, "list submissions", err)
			return
		}
		names, err := s.staffNames(ctx)
		if err != nil {
			s.c.Internal(w, r, rq, "list accounts", err)
			return
		}
		for i, sub := range list {
			if i == listPage {
				v.Older = pageQuery(form, status, page+1)
				break
			}
			v.Rows = append(v.Rows, inboxRow{Submission: sub, FormName: m.CollectionPointName(sub.Form, rq.Lang()), Assigned: names[sub.AssignedTo]})
		}
		if page > 0 {
			v.Newer = pageQuery(form, status, page-1)
		}
	}
	s.c.Render(w, r, rq, http.StatusOK, "inbox", "inbox.title", v)
}

func pageQuery(form, status string, page int) string {
	q := url.Values{}
	if form != "" {
		q.Set("form", form)
	}
	if status != "" {
		q.Set("status", status)
	}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	return q.Encode()
}

func statusOptions(lang, selected string) []admin.Option {
	var out []admin.Option
	for _, st := range contact.Statuses() {
		out = append(out, admin.Option{Value: st, Label: i18n.T(i18n.Lang(lang), "inbox.status."+st), Selected: st == selected})
	}
	return out
}

// staffNames maps account ids to e-mail addresses, for showing who a
// submission is assigned to.
func (s *section) staffNames(ctx context.Context) (map[int64]string, error) {
	users, err := s.c.Accounts().List(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Email
	}
	return names, nil
}

// submission loads the submission named by the {id} path value and checks
// that the caller may handle its form; ok false means the answer is sent.
func (s *section) submission(w http.ResponseWriter, r *http.Request, rq *admin.Request) (contact.Submission, bool) {
	if s.subs == nil {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return contact.Submission{}, false
	}
	sub, err := s.subs.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, contact.ErrNoSubmission) {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return contact.Submission{}, false
	}
	if err != nil {
		s.c.Internal(w, r, rq, "load submission", err)
		return contact.Submission{}, false
	}
	if !rq.User().MayHandleForm(sub.Form) {
		s.c.Deny(w, r, rq)
		return contact.Submission{}, false
	}
	return sub, true
}

// submissionObject names a submission in the audit trail.
func submissionObject(sub contact.Submission) string { return "form:" + sub.Form + "/" + sub.Reference }

// describeSubmission fills in what the submission's page shows.
func (s *section) describeSubmission(ctx context.Context, rq *admin.Request, sub contact.Submission) (submissionView, error) {
	m := s.c.Manifest()
	users, err := s.c.Accounts().List(ctx)
	if err != nil {
		return submissionView{}, err
	}
	lang := rq.Lang()
	v := submissionView{
		inboxRow: inboxRow{Submission: sub, FormName: m.CollectionPointName(sub.Form, lang)},
		Statuses: statusOptions(lang, sub.Status),
		MailOff:  s.mailer == nil,
	}
	v.Staff = append(v.Staff, admin.Option{Value: "0", Label: i18n.T(i18n.Lang(lang), "inbox.nobody"), Selected: sub.AssignedTo == 0})
	now := s.c.Now()
	for _, u := range users {
		if u.ID == sub.AssignedTo {
			v.Assigned = u.Email
		}
		if u.MayHandleForm(sub.Form) && u.Usable(now) == nil {
			v.Staff = append(v.Staff, admin.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Email, Selected: u.ID == sub.AssignedTo})
		}
	}
	if cp := m.CollectionPoint(sub.Form); cp != nil {
		for _, id := range cp.Purposes {
			label := id
			if p := m.Purpose(id); p != nil {
				label = p.Name.In(lang)
			}
			v.Purposes = append(v.Purposes, admin.Option{Value: id, Label: label})
		}
	}
	return v, nil
}

func (s *section) submissionPage(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	s.showSubmission(w, r, rq, http.StatusOK, sub, nil)
}

func (s *section) showSubmission(w http.ResponseWriter, r *http.Request, rq *admin.Request, status int, sub contact.Submission, problems []string) {
	v, err := s.describeSubmission(r.Context(), rq, sub)
	if err != nil {
		s.c.Internal(w, r, rq, "describe submission", err)
		return
	}
	p := s.c.PageFor(r, rq, "inbox.submission")
	p.Body = v
	p.Errors = problems
	s.c.Write(w, status, "inbox_submission", p)
}

// refuse shows the submission's page again with a problem, in the
// caller's language.
func (s *section) refuse(w http.ResponseWriter, r *http.Request, rq *admin.Request, status int, sub contact.Submission, key string, args ...any) {
	s.showSubmission(w, r, rq, status, sub, []string{i18n.T(i18n.Lang(rq.Lang()), key, args...)})
}

// statedPurpose returns the purpose the form posted if it is one of the
// form's declared purposes.
func statedPurpose(m *manifest.Manifest, r *http.Request, form string) (string, bool) {
	purpose := r.PostFormValue("purpose")
	cp := m.CollectionPoint(form)
	if purpose == "" || cp == nil || !slices.Contains(cp.Purposes, purpose) {
		return "", false
	}
	return purpose, true
}

// openSubmission shows what the person wrote, once a purpose is stated, and
// records the reading with that purpose before anything is shown: if the
// audit trail cannot take the entry, nothing is shown.
func (s *section) openSubmission(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	m := s.c.Manifest()
	purpose, ok := statedPurpose(m, r, sub.Form)
	if !ok {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.purpose_required")
		return
	}
	sub, values, err := s.subs.Open(ctx, sub.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "open submission", err)
		return
	}
	e := rq.Entry("submission.read", submissionObject(sub), audit.OK)
	e.Purpose = purpose
	if sub.Deleted {
		e.Detail = map[string]string{"content": "deleted"}
	}
	if err := s.c.Audit(ctx, e); err != nil {
		s.c.Internal(w, r, rq, "audit submission.read", err)
		return
	}
	notes, err := s.subs.Notes(ctx, sub.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "read notes", err)
		return
	}
	v, err := s.describeSubmission(ctx, rq, sub)
	if err != nil {
		s.c.Internal(w, r, rq, "describe submission", err)
		return
	}
	v.Purpose, v.Notes = purpose, notes
	for _, o := range v.Purposes {
		if o.Value == purpose {
			v.PurposeName = o.Label
		}
	}
	if !sub.Deleted {
		v.Values = fieldValues(m.CollectionPoint(sub.Form), values, sub.Expired, rq.Lang())
		v.CanReply = s.mailer != nil && replyAddress(m.CollectionPoint(sub.Form), values) != ""
	}
	s.c.Render(w, r, rq, http.StatusOK, "inbox_open", "inbox.opened", v)
}

// fieldValues lists the answers in the form's field order, marking those
// of the expired fields, then any the manifest no longer declares, under
// their ids.
func fieldValues(cp *manifest.CollectionPoint, values map[string]string, expired []string, lang string) []fieldValue {
	var out []fieldValue
	seen := map[string]bool{}
	if cp != nil {
		for _, f := range cp.Fields {
			seen[f.ID] = true
			if slices.Contains(expired, f.ID) {
				out = append(out, fieldValue{Label: f.Label.In(lang), Expired: true})
				continue
			}
			out = append(out, fieldValue{Label: f.Label.In(lang), Value: optionLabel(f, values[f.ID], lang), Long: f.Type == "textarea"})
		}
	}
	var rest []string
	for id := range values {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, id := range rest {
		out = append(out, fieldValue{Label: id, Value: values[id], Long: strings.Contains(values[id], "\n")})
	}
	return out
}

// optionLabel shows the answer to a select field as its option's label in
// the console's language, followed by the stored value, and any other
// answer as it is.
func optionLabel(f manifest.Field, value, lang string) string {
	for _, o := range f.Options {
		if o.Value == value && value != "" {
			return o.Label.In(lang) + " (" + value + ")"
		}
	}
	return value
}

// replyAddress is the answer to the form's e-mail field.
func replyAddress(cp *manifest.CollectionPoint, values map[string]string) string {
	if cp == nil {
		return ""
	}
	for _, f := range cp.Fields {
		if f.Type == "email" {
			return strings.TrimSpace(values[f.ID])
		}
	}
	return ""
}

func (s *section) setSubmissionStatus(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	status := r.PostFormValue("status")
	if !slices.Contains(contact.Statuses(), status) {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.bad_status")
		return
	}
	if err := s.subs.SetStatus(r.Context(), sub.ID, status); err != nil {
		s.c.Internal(w, r, rq, "set submission status", err)
		return
	}
	e := rq.Entry("submission.status", submissionObject(sub), audit.OK)
	e.Detail = map[string]string{"from": sub.Status, "to": status}
	s.c.Record(r.Context(), e)
	admin.Redirect(w, r, "/admin/inbox/"+sub.ID, "status_set")
}

func (s *section) assignSubmission(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	to, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	if err != nil || to < 0 {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.bad_account")
		return
	}
	detail := map[string]string{"to": "nobody"}
	if to != 0 {
		// Only someone who may handle the form can be given it.
		u, err := s.c.Accounts().ByID(ctx, to)
		if err != nil || !u.MayHandleForm(sub.Form) || u.Usable(s.c.Now()) != nil {
			s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.bad_account")
			return
		}
		detail["to"] = admin.UserObject(u.ID)
	}
	if err := s.subs.Assign(ctx, sub.ID, to); err != nil {
		s.c.Internal(w, r, rq, "assign submission", err)
		return
	}
	e := rq.Entry("submission.assign", submissionObject(sub), audit.OK)
	e.Detail = detail
	s.c.Record(ctx, e)
	admin.Redirect(w, r, "/admin/inbox/"+sub.ID, "assigned")
}

func (s *section) noteSubmission(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("note"))
	if text == "" || len(text) > contact.MaxNote {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.bad_note", contact.MaxNote)
		return
	}
	if _, err := s.subs.AddNote(ctx, sub.ID, rq.User().Email, text); err != nil {
		if errors.Is(err, contact.ErrDeleted) {
			s.refuse(w, r, rq, http.StatusConflict, sub, "inbox.deleted")
			return
		}
		s.c.Internal(w, r, rq, "add note", err)
		return
	}
	s.c.Record(ctx, rq.Entry("submission.note", submissionObject(sub), audit.OK))
	admin.Redirect(w, r, "/admin/inbox/"+sub.ID, "note_added")
}

// replySubmission mails the staff member's reply to the address the person
// gave. The audit entry names the submission and the purpose, never the
// address or the text.
func (s *section) replySubmission(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	sub, ok := s.submission(w, r, rq)
	if !ok {
		return
	}
	if s.mailer == nil {
		s.refuse(w, r, rq, http.StatusConflict, sub, "inbox.mail_off")
		return
	}
	m := s.c.Manifest()
	purpose, ok := statedPurpose(m, r, sub.Form)
	if !ok {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.purpose_required")
		return
	}
	subject := strings.TrimSpace(r.PostFormValue("subject"))
	text := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("text")), "\r\n", "\n")
	if subject == "" || text == "" || strings.ContainsAny(subject, "\r\n") ||
		utf8.RuneCountInString(subject) > maxReplySubject || utf8.RuneCountInString(text) > maxReplyText {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, sub, "inbox.bad_reply", maxReplySubject, maxReplyText)
		return
	}
	sub, values, err := s.subs.Open(ctx, sub.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "open submission", err)
		return
	}
	to := ""
	if !sub.Deleted {
		to = replyAddress(m.CollectionPoint(sub.Form), values)
	}
	if to == "" {
		s.refuse(w, r, rq, http.StatusConflict, sub, "inbox.no_address")
		return
	}
	e := rq.Entry("submission.reply", submissionObject(sub), audit.OK)
	e.Purpose = purpose
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.mailer.Send(sendCtx, mail.Message{To: []string{to}, Subject: subject, Text: text}); err != nil {
		e.Outcome = audit.Failed
		s.c.Record(ctx, e)
		s.c.Logger().Error("console: send reply", "object", e.Object, "err", err)
		s.refuse(w, r, rq, http.StatusBadGateway, sub, "inbox.send_failed")
		return
	}
	s.c.Record(ctx, e)
	if sub.Status == contact.StatusNew || sub.Status == contact.StatusOpen {
		if err := s.subs.SetStatus(ctx, sub.ID, contact.StatusAnswered); err != nil {
			s.c.Logger().Error("console: mark submission answered", "object", e.Object, "err", err)
		} else {
			st := rq.Entry("submission.status", e.Object, audit.OK)
			st.Detail = map[string]string{"from": sub.Status, "to": contact.StatusAnswered}
			s.c.Record(ctx, st)
		}
	}
	admin.Redirect(w, r, "/admin/inbox/"+sub.ID, "reply_sent")
}
