package admin

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
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
)

// Mailer sends the replies staff write from the inbox; *mail.Sender is one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// inboxPage is how many submissions the inbox lists per page.
const inboxPage = 50

// Limits of a reply typed in the console.
const (
	maxReplySubject = 200
	maxReplyText    = 20000
)

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// inboxRow is a submission in the list: nothing the person wrote.
type inboxRow struct {
	contact.Submission
	FormName string
	Assigned string
}

// inboxView is the inbox list's data.
type inboxView struct {
	On       bool
	Forms    []option
	Statuses []option
	Rows     []inboxRow
	// Older and Newer are the query strings of the neighbouring pages, or
	// "" when there is none.
	Older, Newer string
}

// submissionView is the data of a submission's page, and of the page that
// shows it opened.
type submissionView struct {
	inboxRow
	Purposes []option
	Statuses []option
	Staff    []option
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

func (c *Console) inboxPage(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	m := c.opt.Manifest()
	v := inboxView{On: c.opt.Inbox != nil}
	q := r.URL.Query()
	form, status := q.Get("form"), q.Get("status")
	forms, all := inboxForms(rq.user)
	if form != "" && !rq.user.MayHandleForm(form) {
		c.deny(w, r, rq)
		return
	}
	if status != "" && !slices.Contains(contact.Statuses(), status) {
		c.fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	for _, f := range formsFor(m, rq.user, rq.lang) {
		v.Forms = append(v.Forms, option{Value: f.ID, Label: f.Name, Selected: f.ID == form})
	}
	v.Statuses = statusOptions(rq.lang, status)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 0)
	if form != "" {
		forms, all = []string{form}, false
	}
	if v.On && (all || len(forms) > 0) {
		list, err := c.opt.Inbox.List(ctx, contact.InboxFilter{Forms: forms, Status: status, Limit: inboxPage + 1, Offset: page * inboxPage})
		if err != nil {
			c.internal(w, r, rq, "list submissions", err)
			return
		}
		names, err := c.staffNames(ctx)
		if err != nil {
			c.internal(w, r, rq, "list accounts", err)
			return
		}
		for i, s := range list {
			if i == inboxPage {
				v.Older = pageQuery(form, status, page+1)
				break
			}
			v.Rows = append(v.Rows, inboxRow{Submission: s, FormName: formName(m, s.Form, rq.lang), Assigned: names[s.AssignedTo]})
		}
		if page > 0 {
			v.Newer = pageQuery(form, status, page-1)
		}
	}
	c.render(w, r, rq, http.StatusOK, "inbox", "inbox.title", v)
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

func statusOptions(lang, selected string) []option {
	var out []option
	for _, s := range contact.Statuses() {
		out = append(out, option{Value: s, Label: translate(lang, "inbox.status."+s), Selected: s == selected})
	}
	return out
}

func formName(m *manifest.Manifest, id, lang string) string {
	if cp := m.CollectionPoint(id); cp != nil {
		return cp.Name.In(lang)
	}
	return id
}

// staffNames maps account ids to e-mail addresses, for showing who a
// submission is assigned to.
func (c *Console) staffNames(ctx context.Context) (map[int64]string, error) {
	users, err := c.accounts.List(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Email
	}
	return names, nil
}

// deny refuses a request as the guard does, in the audit trail too.
func (c *Console) deny(w http.ResponseWriter, r *http.Request, rq *request) {
	c.record(r.Context(), rq.entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied))
	c.fail(w, r, rq, http.StatusForbidden, "error.forbidden")
}

// submission loads the submission named by the {id} path value and checks
// that the caller may handle its form; ok false means the answer is sent.
func (c *Console) submission(w http.ResponseWriter, r *http.Request, rq *request) (contact.Submission, bool) {
	if c.opt.Inbox == nil {
		c.fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return contact.Submission{}, false
	}
	s, err := c.opt.Inbox.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, contact.ErrNoSubmission) {
		c.fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return contact.Submission{}, false
	}
	if err != nil {
		c.internal(w, r, rq, "load submission", err)
		return contact.Submission{}, false
	}
	if !rq.user.MayHandleForm(s.Form) {
		c.deny(w, r, rq)
		return contact.Submission{}, false
	}
	return s, true
}

// submissionObject names a submission in the audit trail.
func submissionObject(s contact.Submission) string { return "form:" + s.Form + "/" + s.Reference }

// describeSubmission fills in what the submission's page shows.
func (c *Console) describeSubmission(ctx context.Context, rq *request, s contact.Submission) (submissionView, error) {
	m := c.opt.Manifest()
	users, err := c.accounts.List(ctx)
	if err != nil {
		return submissionView{}, err
	}
	v := submissionView{
		inboxRow: inboxRow{Submission: s, FormName: formName(m, s.Form, rq.lang)},
		Statuses: statusOptions(rq.lang, s.Status),
		MailOff:  c.opt.Mailer == nil,
	}
	v.Staff = append(v.Staff, option{Value: "0", Label: translate(rq.lang, "inbox.nobody"), Selected: s.AssignedTo == 0})
	now := c.now()
	for _, u := range users {
		if u.ID == s.AssignedTo {
			v.Assigned = u.Email
		}
		if u.MayHandleForm(s.Form) && u.Usable(now) == nil {
			v.Staff = append(v.Staff, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Email, Selected: u.ID == s.AssignedTo})
		}
	}
	if cp := m.CollectionPoint(s.Form); cp != nil {
		for _, id := range cp.Purposes {
			label := id
			if p := m.Purpose(id); p != nil {
				label = p.Name.In(rq.lang)
			}
			v.Purposes = append(v.Purposes, option{Value: id, Label: label})
		}
	}
	return v, nil
}

func (c *Console) submissionPage(w http.ResponseWriter, r *http.Request, rq *request) {
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	c.showSubmission(w, r, rq, http.StatusOK, s, nil)
}

func (c *Console) showSubmission(w http.ResponseWriter, r *http.Request, rq *request, status int, s contact.Submission, problems []string) {
	v, err := c.describeSubmission(r.Context(), rq, s)
	if err != nil {
		c.internal(w, r, rq, "describe submission", err)
		return
	}
	p := c.pageFor(r, rq, "inbox.submission")
	p.Body = v
	p.Errors = problems
	c.write(w, status, "inbox_submission", p)
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
func (c *Console) openSubmission(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	m := c.opt.Manifest()
	purpose, ok := statedPurpose(m, r, s.Form)
	if !ok {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.purpose_required")})
		return
	}
	s, values, err := c.opt.Inbox.Open(ctx, s.ID)
	if err != nil {
		c.internal(w, r, rq, "open submission", err)
		return
	}
	e := rq.entry("submission.read", submissionObject(s), audit.OK)
	e.Purpose = purpose
	if s.Deleted {
		e.Detail = map[string]string{"content": "deleted"}
	}
	if _, err := c.trail.Append(ctx, e); err != nil {
		c.internal(w, r, rq, "audit submission.read", err)
		return
	}
	notes, err := c.opt.Inbox.Notes(ctx, s.ID)
	if err != nil {
		c.internal(w, r, rq, "read notes", err)
		return
	}
	v, err := c.describeSubmission(ctx, rq, s)
	if err != nil {
		c.internal(w, r, rq, "describe submission", err)
		return
	}
	v.Purpose, v.Notes = purpose, notes
	for _, o := range v.Purposes {
		if o.Value == purpose {
			v.PurposeName = o.Label
		}
	}
	if !s.Deleted {
		v.Values = fieldValues(m.CollectionPoint(s.Form), values, s.Expired, rq.lang)
		v.CanReply = c.opt.Mailer != nil && replyAddress(m.CollectionPoint(s.Form), values) != ""
	}
	c.render(w, r, rq, http.StatusOK, "inbox_open", "inbox.opened", v)
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

func (c *Console) setSubmissionStatus(w http.ResponseWriter, r *http.Request, rq *request) {
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	status := r.PostFormValue("status")
	if !slices.Contains(contact.Statuses(), status) {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.bad_status")})
		return
	}
	if err := c.opt.Inbox.SetStatus(r.Context(), s.ID, status); err != nil {
		c.internal(w, r, rq, "set submission status", err)
		return
	}
	e := rq.entry("submission.status", submissionObject(s), audit.OK)
	e.Detail = map[string]string{"from": s.Status, "to": status}
	c.record(r.Context(), e)
	redirect(w, r, "/admin/inbox/"+s.ID, "status_set")
}

func (c *Console) assignSubmission(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	to, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	if err != nil || to < 0 {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.bad_account")})
		return
	}
	detail := map[string]string{"to": "nobody"}
	if to != 0 {
		// Only someone who may handle the form can be given it.
		u, err := c.accounts.ByID(ctx, to)
		if err != nil || !u.MayHandleForm(s.Form) || u.Usable(c.now()) != nil {
			c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.bad_account")})
			return
		}
		detail["to"] = userObject(u.ID)
	}
	if err := c.opt.Inbox.Assign(ctx, s.ID, to); err != nil {
		c.internal(w, r, rq, "assign submission", err)
		return
	}
	e := rq.entry("submission.assign", submissionObject(s), audit.OK)
	e.Detail = detail
	c.record(ctx, e)
	redirect(w, r, "/admin/inbox/"+s.ID, "assigned")
}

func (c *Console) noteSubmission(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("note"))
	if text == "" || len(text) > contact.MaxNote {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.bad_note", contact.MaxNote)})
		return
	}
	if _, err := c.opt.Inbox.AddNote(ctx, s.ID, rq.user.Email, text); err != nil {
		if errors.Is(err, contact.ErrDeleted) {
			c.showSubmission(w, r, rq, http.StatusConflict, s, []string{translate(rq.lang, "inbox.deleted")})
			return
		}
		c.internal(w, r, rq, "add note", err)
		return
	}
	c.record(ctx, rq.entry("submission.note", submissionObject(s), audit.OK))
	redirect(w, r, "/admin/inbox/"+s.ID, "note_added")
}

// replySubmission mails the staff member's reply to the address the person
// gave. The audit entry names the submission and the purpose, never the
// address or the text.
func (c *Console) replySubmission(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	s, ok := c.submission(w, r, rq)
	if !ok {
		return
	}
	if c.opt.Mailer == nil {
		c.showSubmission(w, r, rq, http.StatusConflict, s, []string{translate(rq.lang, "inbox.mail_off")})
		return
	}
	m := c.opt.Manifest()
	purpose, ok := statedPurpose(m, r, s.Form)
	if !ok {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.purpose_required")})
		return
	}
	subject := strings.TrimSpace(r.PostFormValue("subject"))
	text := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("text")), "\r\n", "\n")
	if subject == "" || text == "" || strings.ContainsAny(subject, "\r\n") ||
		utf8.RuneCountInString(subject) > maxReplySubject || utf8.RuneCountInString(text) > maxReplyText {
		c.showSubmission(w, r, rq, http.StatusUnprocessableEntity, s, []string{translate(rq.lang, "inbox.bad_reply", maxReplySubject, maxReplyText)})
		return
	}
	s, values, err := c.opt.Inbox.Open(ctx, s.ID)
	if err != nil {
		c.internal(w, r, rq, "open submission", err)
		return
	}
	to := ""
	if !s.Deleted {
		to = replyAddress(m.CollectionPoint(s.Form), values)
	}
	if to == "" {
		c.showSubmission(w, r, rq, http.StatusConflict, s, []string{translate(rq.lang, "inbox.no_address")})
		return
	}
	e := rq.entry("submission.reply", submissionObject(s), audit.OK)
	e.Purpose = purpose
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.opt.Mailer.Send(sendCtx, mail.Message{To: []string{to}, Subject: subject, Text: text}); err != nil {
		e.Outcome = audit.Failed
		c.record(ctx, e)
		c.log.Error("console: send reply", "object", e.Object, "err", err)
		c.showSubmission(w, r, rq, http.StatusBadGateway, s, []string{translate(rq.lang, "inbox.send_failed")})
		return
	}
	c.record(ctx, e)
	if s.Status == contact.StatusNew || s.Status == contact.StatusOpen {
		if err := c.opt.Inbox.SetStatus(ctx, s.ID, contact.StatusAnswered); err != nil {
			c.log.Error("console: mark submission answered", "object", e.Object, "err", err)
		} else {
			st := rq.entry("submission.status", e.Object, audit.OK)
			st.Detail = map[string]string{"from": s.Status, "to": contact.StatusAnswered}
			c.record(ctx, st)
		}
	}
	redirect(w, r, "/admin/inbox/"+s.ID, "reply_sent")
}
