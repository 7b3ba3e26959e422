// Package requests is the console's section for data-subject requests at
// /admin/requests: the list, with nothing personal in it, and each
// request's page, where staff reveal the person's address on record,
// record how they verified the requester's identity, extend a public
// body's deadline with notice, and answer the request by erasing,
// disclosing or changing its status.
package requests

import (
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/vault"
)

// Options configure the requests section.
type Options struct {
	// Requests holds the data-subject requests; nil leaves the list
	// saying that requests are not configured.
	Requests *dsr.Handler
	// Mail says that disclosures are mailed to the people who asked for
	// them, queued by Requests with the closing of the request; false
	// offers a disclosure as a download instead, and the pages say so.
	Mail bool
}

// Pages are the console's pages of data-subject requests.
type Pages struct {
	opt Options
}

// New returns the requests section; the console serves it once it is
// among its sections.
func New(opt Options) *Pages { return &Pages{opt: opt} }

// ConsoleSection returns the section's routes, pages and menu entry.
func (p *Pages) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{requests: p.opt.Requests, mail: p.opt.Mail, c: c}
	route := func(method, pattern string, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: method, Pattern: pattern, Access: admin.Signed, Permission: account.HandleRequests}, Serve: h}
	}
	return admin.Section{
		Name:  "requests",
		Pages: []string{"templates/dsr/" + listPage + ".html", "templates/dsr/" + requestPage + ".html"},
		Nav:   []admin.NavItem{{Href: "/admin/requests", Key: "nav.requests", Permission: account.HandleRequests, Order: 40}},
		Routes: []admin.Handler{
			route("GET", "/admin/requests", s.list),
			route("GET", "/admin/requests/{id}", s.show),
			route("POST", "/admin/requests/{id}/reveal", s.reveal),
			route("POST", "/admin/requests/{id}/status", s.setStatus),
			route("POST", "/admin/requests/{id}/identity", s.recordIdentity),
			route("POST", "/admin/requests/{id}/extend", s.extend),
			route("POST", "/admin/requests/{id}/delete", s.delete),
			route("POST", "/admin/requests/{id}/disclose", s.disclose),
			route("POST", "/admin/requests/{id}/export.json", s.export),
		},
	}, nil
}

// The section's templates, web/templates/dsr/<name>.html.
const (
	listPage    = "requests"
	requestPage = "requests_request"
)

// maxNote bounds the note left with a change of a request's status, in
// characters, as the dsr package does.
const maxNote = 500

// section serves the requests' routes through the console.
type section struct {
	requests *dsr.Handler // nil when requests are off
	mail     bool         // false when mail is off
	c        *admin.Console
}

// row is a data-subject request as the console shows it without opening
// anything: no address, nothing the person wrote.
type row struct {
	dsr.Request
	KindName   string
	StatusName string
	// MeansName names how identity was verified, empty until recorded.
	MeansName string
}

// listView is the data of the list of requests.
type listView struct {
	On       bool
	Statuses []admin.Option
	Kinds    []admin.Option
	Overdue  bool
	Rows     []row
}

// requestView is the data of a request's page.
type requestView struct {
	row
	// Statuses are the statuses a handler may move an open request to.
	Statuses []admin.Option
	Open     bool
	// Verified means the person confirmed the address, so it may be
	// revealed.
	Verified    bool
	CanDelete   bool
	CanDisclose bool
	MailOff     bool
	// Purposes are those a download of the disclosure may be read for.
	Purposes []admin.Option
	// Revealed holds the address and details after a reveal.
	Revealed *dsr.Submission
	// Public is set for a public body: identity must be recorded before
	// the request is done.
	Public bool
	// CanRecordIdentity offers the form that records the identity check,
	// with Means to choose from.
	CanRecordIdentity bool
	Means             []admin.Option
	// ExtensionDays is how many days the deadline may be extended by;
	// 0 offers no extension.
	ExtensionDays int
	MaxNote       int
}

// object names a request in the audit trail.
func object(id string) string { return "request:" + id }

func text(lang, key string, args ...any) string { return i18n.T(i18n.Lang(lang), key, args...) }

func statusName(lang string, s dsr.Status) string { return text(lang, "requests.status."+string(s)) }

func meansName(lang string, m dsr.IdentityMeans) string {
	return text(lang, "requests.identity.means."+string(m))
}

func describe(lang string, r dsr.Regime, req dsr.Request) row {
	v := row{Request: req, KindName: req.Kind.Label(lang, r), StatusName: statusName(lang, req.Status)}
	if req.Identity.Recorded() {
		v.MeansName = meansName(lang, req.Identity.Means)
	}
	return v
}

// regime is the regime of the manifest in force.
func (s *section) regime() dsr.Regime { return dsr.RegimeOf(s.c.Manifest()) }

func (s *section) list(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	q := r.URL.Query()
	f := dsr.Filter{Status: dsr.Status(q.Get("status")), Kind: dsr.Kind(q.Get("kind")), Overdue: q.Get("overdue") == "1"}
	if f.Status != "" && !f.Status.Valid() || f.Kind != "" && !f.Kind.Valid() {
		s.c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	lang, regime := rq.Lang(), s.regime()
	v := listView{On: s.requests != nil, Overdue: f.Overdue}
	for _, st := range dsr.Statuses {
		v.Statuses = append(v.Statuses, admin.Option{Value: string(st), Label: statusName(lang, st), Selected: st == f.Status})
	}
	// The filter offers the regime's kinds; a request of another kind,
	// stored under an earlier regime, is still listed under any kind.
	for _, k := range regime.Kinds() {
		v.Kinds = append(v.Kinds, admin.Option{Value: string(k), Label: k.Label(lang, regime), Selected: k == f.Kind})
	}
	if v.On {
		list, err := s.requests.List(r.Context(), f)
		if err != nil {
			s.c.Internal(w, r, rq, "list requests", err)
			return
		}
		for _, req := range list {
			v.Rows = append(v.Rows, describe(lang, regime, req))
		}
	}
	s.c.Render(w, r, rq, http.StatusOK, listPage, "requests.title", v)
}

// load loads the request named by the {id} path value; ok false means the
// answer is sent.
func (s *section) load(w http.ResponseWriter, r *http.Request, rq *admin.Request) (dsr.Request, bool) {
	if s.requests == nil {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return dsr.Request{}, false
	}
	req, err := s.requests.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, dsr.ErrNotFound) {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return dsr.Request{}, false
	}
	if err != nil {
		s.c.Internal(w, r, rq, "load request", err)
		return dsr.Request{}, false
	}
	return req, true
}

func (s *section) view(lang string, req dsr.Request) requestView {
	regime := s.regime()
	v := requestView{
		row:      describe(lang, regime, req),
		Open:     req.Status.Open(),
		Verified: !req.Verified.IsZero(),
		MailOff:  !s.mail,
		Public:   regime == dsr.PublicBody,
		MaxNote:  maxNote,
	}
	v.CanRecordIdentity = v.Open && !req.Identity.Recorded()
	for _, m := range dsr.IdentityMeansList {
		v.Means = append(v.Means, admin.Option{Value: string(m), Label: meansName(lang, m)})
	}
	v.ExtensionDays = s.requests.ExtensionDays(req)
	v.CanDelete = v.Open && (req.Kind == dsr.Deletion || req.Kind == dsr.Cessation)
	v.CanDisclose = v.Open && req.Kind == dsr.Disclosure
	for _, p := range disclosurePurposes {
		v.Purposes = append(v.Purposes, admin.Option{Value: p, Label: text(lang, "requests.purpose."+p)})
	}
	for _, st := range []dsr.Status{dsr.InProgress, dsr.Done, dsr.Rejected} {
		v.Statuses = append(v.Statuses, admin.Option{Value: string(st), Label: statusName(lang, st), Selected: st == req.Status})
	}
	return v
}

// render writes a request's page with a notice or problems.
func (s *section) render(w http.ResponseWriter, r *http.Request, rq *admin.Request, status int, v requestView, notice string, problems ...string) {
	p := s.c.PageFor(r, rq, "requests.request")
	p.Body = v
	if notice != "" {
		p.Notice = notice
	}
	p.Errors = problems
	s.c.Write(w, status, requestPage, p)
}

// refuse writes a request's page with the problem of key.
func (s *section) refuse(w http.ResponseWriter, r *http.Request, rq *admin.Request, status int, v requestView, key string, args ...any) {
	s.render(w, r, rq, status, v, "", text(rq.Lang(), key, args...))
}

func (s *section) show(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	s.render(w, r, rq, http.StatusOK, s.view(rq.Lang(), req), "")
}

// reveal shows the address and details the person gave. The reading is
// recorded before anything is shown: if the audit trail cannot take the
// entry, nothing is shown.
func (s *section) reveal(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	if !v.Verified {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.not_verified")
		return
	}
	sub, err := s.requests.Subject(ctx, req.ID)
	if errors.Is(err, vault.ErrShredded) || errors.Is(err, vault.ErrNotFound) {
		s.refuse(w, r, rq, http.StatusGone, v, "requests.subject_gone")
		return
	}
	if err != nil {
		s.c.Internal(w, r, rq, "reveal request", err)
		return
	}
	if err := s.c.Audit(ctx, rq.Entry("request.read", object(req.ID), audit.OK)); err != nil {
		s.c.Internal(w, r, rq, "audit request.read", err)
		return
	}
	v.Revealed = &sub
	s.render(w, r, rq, http.StatusOK, v, "")
}

func (s *section) setStatus(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	status := dsr.Status(r.PostFormValue("status"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	if status != dsr.InProgress && status != dsr.Done && status != dsr.Rejected {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.bad_status")
		return
	}
	if utf8.RuneCountInString(note) > maxNote || !utf8.ValidString(note) {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.bad_note", maxNote)
		return
	}
	err := s.requests.SetStatus(ctx, req.ID, status, note)
	if errors.Is(err, dsr.ErrState) {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	}
	if errors.Is(err, dsr.ErrIdentity) {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.identity_required")
		return
	}
	if err != nil {
		s.c.Internal(w, r, rq, "set request status", err)
		return
	}
	e := rq.Entry("request.status", object(req.ID), audit.OK)
	e.Detail = map[string]string{"from": string(req.Status), "to": string(status)}
	s.c.Record(ctx, e)
	admin.Redirect(w, r, "/admin/requests/"+req.ID, "status_set")
}

// delete shreds every record found about the person and shows how many
// were shredded.
func (s *section) delete(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	if !v.CanDelete {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.cannot_delete")
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.confirm_required")
		return
	}
	if v.Public && !req.Identity.Recorded() {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.identity_required")
		return
	}
	shredded, err := s.requests.Delete(ctx, req.ID)
	e := rq.Entry("request.delete", object(req.ID), audit.OK)
	e.Detail = map[string]string{"shredded": strconv.Itoa(shredded)}
	if err != nil {
		e.Outcome = audit.Failed
		s.c.Record(ctx, e)
		if errors.Is(err, dsr.ErrIdentity) {
			s.refuse(w, r, rq, http.StatusConflict, v, "requests.identity_required")
			return
		}
		if errors.Is(err, dsr.ErrState) || errors.Is(err, dsr.ErrKind) {
			s.refuse(w, r, rq, http.StatusConflict, v, "requests.cannot_delete")
			return
		}
		s.c.Internal(w, r, rq, "delete for request", err)
		return
	}
	s.c.Record(ctx, e)
	if done, err := s.requests.Get(ctx, req.ID); err == nil {
		v = s.view(rq.Lang(), done)
	}
	s.render(w, r, rq, http.StatusOK, v, text(rq.Lang(), "requests.shredded", shredded, req.Matches))
}

// disclose mails the person every record held about them, readable and
// as JSON, and closes the request. The audit entry counts records and
// holds nothing of them.
func (s *section) disclose(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	if !v.CanDisclose {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.cannot_disclose")
		return
	}
	if !s.mail {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.mail_off")
		return
	}
	// Sending the disclosure decides the request: a public body does it
	// only once the requester's identity is recorded.
	if v.Public && !req.Identity.Recorded() {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.identity_required")
		return
	}
	export, err := s.requests.Disclose(ctx, req.ID)
	if errors.Is(err, dsr.ErrState) {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	}
	if err != nil {
		s.c.Internal(w, r, rq, "disclose for request", err)
		return
	}
	sub, err := s.requests.Subject(ctx, req.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "address of request", err)
		return
	}
	msg, err := disclosureMail(s.c.Manifest(), s.c.Location(), req, sub.Email, export)
	if err != nil {
		s.c.Internal(w, r, rq, "disclosure mail", err)
		return
	}
	e := rq.Entry("request.disclose", object(req.ID), audit.OK)
	e.Detail = map[string]string{"records": strconv.Itoa(len(export.Records)), "unavailable": strconv.Itoa(export.Unavailable), "delivery": "mail"}
	// The disclosure is queued with the closing of the request: a mail
	// server that is down delays it, and the outbox retries it.
	note := fmt.Sprintf("records disclosed by e-mail: %d", len(export.Records))
	err = s.requests.SetStatusAndMail(ctx, req.ID, dsr.Done, note, msg)
	if errors.Is(err, dsr.ErrState) {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	}
	if err != nil {
		e.Outcome = audit.Failed
		s.c.Record(ctx, e)
		s.c.Logger().Error("console: queue disclosure", "object", e.Object, "err", err)
		s.refuse(w, r, rq, http.StatusInternalServerError, v, "requests.send_failed")
		return
	}
	s.c.Record(ctx, e)
	st := rq.Entry("request.status", e.Object, audit.OK)
	st.Detail = map[string]string{"from": string(req.Status), "to": string(dsr.Done)}
	s.c.Record(ctx, st)
	admin.Redirect(w, r, "/admin/requests/"+req.ID, "request_disclosed")
}

// disclosurePurposes are the purposes for which staff may read a
// disclosure before handing it to the person: to answer the request, or to
// check whether a ground for withholding part of it applies (APPI art.
// 33(2)). Reading it is recorded with the purpose chosen, as opening a
// submission is.
var disclosurePurposes = []string{"disclosure-answer", "disclosure-review"}

// export offers the disclosure as a JSON download, for sending it by other
// means when the console has no mail: with mail, the disclosure goes to
// the confirmed address and nobody needs to read it. The caller states a
// purpose and must handle the form of every record the download holds;
// the reading is recorded with the purpose before any byte is sent.
func (s *section) export(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	switch {
	case !v.CanDisclose:
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.cannot_disclose")
		return
	case !v.MailOff:
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.export_mail_on")
		return
	}
	purpose := r.PostFormValue("purpose")
	if !slices.Contains(disclosurePurposes, purpose) {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.purpose_required")
		return
	}
	export, err := s.requests.Disclose(ctx, req.ID)
	if errors.Is(err, dsr.ErrState) {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	}
	if err != nil {
		s.c.Internal(w, r, rq, "export for request", err)
		return
	}
	if others := foreignForms(rq.User(), export); len(others) > 0 {
		// A part of the records is no answer to the person, so the
		// download is all or nothing: an owner prepares it.
		e := rq.Entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied)
		e.Purpose = purpose
		e.Detail = map[string]string{"reason": "records of forms not assigned", "forms": strings.Join(others, ",")}
		s.c.Record(ctx, e)
		s.refuse(w, r, rq, http.StatusForbidden, v, "requests.export_forms")
		return
	}
	body, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		s.c.Internal(w, r, rq, "encode export", err)
		return
	}
	e := rq.Entry("request.export", object(req.ID), audit.OK)
	e.Purpose = purpose
	e.Detail = map[string]string{"records": strconv.Itoa(len(export.Records)), "unavailable": strconv.Itoa(export.Unavailable)}
	if err := s.c.Audit(ctx, e); err != nil {
		s.c.Internal(w, r, rq, "audit request.export", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(req.Reference)+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
}

// foreignForms lists the forms of the exported records that u may not
// handle. The person's own requests, which every account that handles
// requests may reveal, are not a form's records.
func foreignForms(u account.User, export dsr.Export) []string {
	var out []string
	for _, rec := range export.Records {
		if rec.Kind != dsr.VaultKind && !u.MayHandleForm(rec.Form) && !slices.Contains(out, rec.Form) {
			out = append(out, rec.Form)
		}
	}
	slices.Sort(out)
	return out
}

// recordIdentity records how the requester's identity was verified; the
// audit entry names the means, and neither the note nor anything of the
// person.
func (s *section) recordIdentity(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	if !v.Open {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	}
	means := dsr.IdentityMeans(r.PostFormValue("means"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	err := s.requests.RecordIdentity(ctx, req.ID, means, note, rq.User().Email)
	switch {
	case errors.Is(err, dsr.ErrInput):
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.identity_bad", maxNote)
		return
	case errors.Is(err, dsr.ErrRecorded):
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.identity_recorded_already")
		return
	case errors.Is(err, dsr.ErrState):
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.closed")
		return
	case err != nil:
		s.c.Internal(w, r, rq, "record identity", err)
		return
	}
	e := rq.Entry("request.identity", object(req.ID), audit.OK)
	e.Detail = map[string]string{"means": string(means)}
	s.c.Record(ctx, e)
	admin.Redirect(w, r, "/admin/requests/"+req.ID, "identity_recorded")
}

// extend extends a public body's deadline once and mails the requester
// the new deadline and the reason. The audit entry holds both deadlines
// and whether the notice went out; a failed notice leaves the extension
// standing and tells staff to notify the person by other means.
func (s *section) extend(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	ctx := r.Context()
	req, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := s.view(rq.Lang(), req)
	if v.ExtensionDays == 0 {
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.extension_closed")
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if err != nil || days < 1 || days > v.ExtensionDays || reason == "" || utf8.RuneCountInString(reason) > maxNote || !utf8.ValidString(reason) {
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.extension_bad", v.ExtensionDays, maxNote)
		return
	}
	extended, err := s.requests.Extend(ctx, req.ID, days, reason, rq.User().Email)
	e := rq.Entry("request.extend", object(req.ID), audit.OK)
	e.Detail = map[string]string{"days": strconv.Itoa(days), "from": s.dateOf(req.Deadline), "to": s.dateOf(extended.Deadline), "notice": "mail"}
	switch {
	case errors.Is(err, dsr.ErrState), errors.Is(err, dsr.ErrRecorded), errors.Is(err, dsr.ErrRegime), errors.Is(err, dsr.ErrKind):
		s.refuse(w, r, rq, http.StatusConflict, v, "requests.extension_closed")
		return
	case errors.Is(err, dsr.ErrInput):
		s.refuse(w, r, rq, http.StatusUnprocessableEntity, v, "requests.extension_bad", v.ExtensionDays, maxNote)
		return
	case err != nil:
		s.c.Internal(w, r, rq, "extend request", err)
		return
	}
	s.c.Record(ctx, e)
	admin.Redirect(w, r, "/admin/requests/"+req.ID, "deadline_extended")
}

// dateOf is the day of a deadline for the audit trail, in the site's
// calendar the deadline runs on.
func (s *section) dateOf(t time.Time) string {
	return t.In(s.requests.Location()).Format(time.DateOnly)
}
