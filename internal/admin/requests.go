package admin

import (
	"context"
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
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/vault"
)

// maxRequestNote bounds the note left with a change of a request's
// status, in characters, as the dsr package does.
const maxRequestNote = 500

// requestRow is a data-subject request as the console shows it without
// opening anything: no address, nothing the person wrote.
type requestRow struct {
	dsr.Request
	KindName   string
	StatusName string
}

// requestsView is the data of the list of requests.
type requestsView struct {
	On       bool
	Statuses []option
	Kinds    []option
	Overdue  bool
	Rows     []requestRow
}

// requestView is the data of a request's page.
type requestView struct {
	requestRow
	// Statuses are the statuses a handler may move an open request to.
	Statuses []option
	Open     bool
	// Verified means the person confirmed the address, so it may be
	// revealed.
	Verified    bool
	CanDelete   bool
	CanDisclose bool
	MailOff     bool
	// Purposes are those a download of the disclosure may be read for.
	Purposes []option
	// Revealed holds the address and details after a reveal.
	Revealed *dsr.Submission
}

// requestObject names a request in the audit trail.
func requestObject(id string) string { return "request:" + id }

func (c *Console) describeRequest(lang string, req dsr.Request) requestRow {
	return requestRow{Request: req, KindName: req.Kind.Label(lang), StatusName: translate(lang, "requests.status."+string(req.Status))}
}

func (c *Console) requestsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	f := dsr.Filter{Status: dsr.Status(q.Get("status")), Kind: dsr.Kind(q.Get("kind")), Overdue: q.Get("overdue") == "1"}
	if f.Status != "" && !f.Status.Valid() || f.Kind != "" && !f.Kind.Valid() {
		c.fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	v := requestsView{On: c.opt.Requests != nil, Overdue: f.Overdue}
	for _, s := range dsr.Statuses {
		v.Statuses = append(v.Statuses, option{Value: string(s), Label: translate(rq.lang, "requests.status."+string(s)), Selected: s == f.Status})
	}
	for _, k := range dsr.Kinds {
		v.Kinds = append(v.Kinds, option{Value: string(k), Label: k.Label(rq.lang), Selected: k == f.Kind})
	}
	if v.On {
		list, err := c.opt.Requests.List(r.Context(), f)
		if err != nil {
			c.internal(w, r, rq, "list requests", err)
			return
		}
		for _, req := range list {
			v.Rows = append(v.Rows, c.describeRequest(rq.lang, req))
		}
	}
	c.render(w, r, rq, http.StatusOK, "requests", "requests.title", v)
}

// loadRequest loads the request named by the {id} path value; ok false
// means the answer is sent.
func (c *Console) loadRequest(w http.ResponseWriter, r *http.Request, rq *request) (dsr.Request, bool) {
	if c.opt.Requests == nil {
		c.fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return dsr.Request{}, false
	}
	req, err := c.opt.Requests.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, dsr.ErrNotFound) {
		c.fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return dsr.Request{}, false
	}
	if err != nil {
		c.internal(w, r, rq, "load request", err)
		return dsr.Request{}, false
	}
	return req, true
}

func (c *Console) requestView(lang string, req dsr.Request) requestView {
	v := requestView{
		requestRow: c.describeRequest(lang, req),
		Open:       req.Status.Open(),
		Verified:   !req.Verified.IsZero(),
		MailOff:    c.opt.Mailer == nil,
	}
	v.CanDelete = v.Open && (req.Kind == dsr.Deletion || req.Kind == dsr.Cessation)
	v.CanDisclose = v.Open && req.Kind == dsr.Disclosure
	for _, p := range disclosurePurposes {
		v.Purposes = append(v.Purposes, option{Value: p, Label: translate(lang, "requests.purpose."+p)})
	}
	for _, s := range []dsr.Status{dsr.InProgress, dsr.Done, dsr.Rejected} {
		v.Statuses = append(v.Statuses, option{Value: string(s), Label: translate(lang, "requests.status."+string(s)), Selected: s == req.Status})
	}
	return v
}

// showRequest renders a request's page with a notice or problems.
func (c *Console) showRequest(w http.ResponseWriter, r *http.Request, rq *request, status int, v requestView, notice string, problems ...string) {
	p := c.pageFor(r, rq, "requests.request")
	p.Body = v
	if notice != "" {
		p.Notice = notice
	}
	p.Errors = problems
	c.write(w, status, "requests_request", p)
}

func (c *Console) requestPage(w http.ResponseWriter, r *http.Request, rq *request) {
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	c.showRequest(w, r, rq, http.StatusOK, c.requestView(rq.lang, req), "")
}

// revealRequest shows the address and details the person gave. The
// reading is recorded before anything is shown: if the audit trail cannot
// take the entry, nothing is shown.
func (c *Console) revealRequest(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	v := c.requestView(rq.lang, req)
	if !v.Verified {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.not_verified"))
		return
	}
	sub, err := c.opt.Requests.Subject(ctx, req.ID)
	if errors.Is(err, vault.ErrShredded) || errors.Is(err, vault.ErrNotFound) {
		c.showRequest(w, r, rq, http.StatusGone, v, "", translate(rq.lang, "requests.subject_gone"))
		return
	}
	if err != nil {
		c.internal(w, r, rq, "reveal request", err)
		return
	}
	if _, err := c.trail.Append(ctx, rq.entry("request.read", requestObject(req.ID), audit.OK)); err != nil {
		c.internal(w, r, rq, "audit request.read", err)
		return
	}
	v.Revealed = &sub
	c.showRequest(w, r, rq, http.StatusOK, v, "")
}

func (c *Console) setRequestStatus(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	v := c.requestView(rq.lang, req)
	status := dsr.Status(r.PostFormValue("status"))
	note := strings.TrimSpace(r.PostFormValue("note"))
	if status != dsr.InProgress && status != dsr.Done && status != dsr.Rejected {
		c.showRequest(w, r, rq, http.StatusUnprocessableEntity, v, "", translate(rq.lang, "requests.bad_status"))
		return
	}
	if utf8.RuneCountInString(note) > maxRequestNote || !utf8.ValidString(note) {
		c.showRequest(w, r, rq, http.StatusUnprocessableEntity, v, "", translate(rq.lang, "requests.bad_note", maxRequestNote))
		return
	}
	err := c.opt.Requests.SetStatus(ctx, req.ID, status, note)
	if errors.Is(err, dsr.ErrState) {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.closed"))
		return
	}
	if err != nil {
		c.internal(w, r, rq, "set request status", err)
		return
	}
	e := rq.entry("request.status", requestObject(req.ID), audit.OK)
	e.Detail = map[string]string{"from": string(req.Status), "to": string(status)}
	c.record(ctx, e)
	redirect(w, r, "/admin/requests/"+req.ID, "status_set")
}

// deleteRequest shreds every record found about the person and shows how
// many were shredded.
func (c *Console) deleteRequest(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	v := c.requestView(rq.lang, req)
	if !v.CanDelete {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.cannot_delete"))
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		c.showRequest(w, r, rq, http.StatusUnprocessableEntity, v, "", translate(rq.lang, "requests.confirm_required"))
		return
	}
	shredded, err := c.opt.Requests.Delete(ctx, req.ID)
	e := rq.entry("request.delete", requestObject(req.ID), audit.OK)
	e.Detail = map[string]string{"shredded": strconv.Itoa(shredded)}
	if err != nil {
		e.Outcome = audit.Failed
		c.record(ctx, e)
		if errors.Is(err, dsr.ErrState) || errors.Is(err, dsr.ErrKind) {
			c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.cannot_delete"))
			return
		}
		c.internal(w, r, rq, "delete for request", err)
		return
	}
	c.record(ctx, e)
	if done, err := c.opt.Requests.Get(ctx, req.ID); err == nil {
		v = c.requestView(rq.lang, done)
	}
	c.showRequest(w, r, rq, http.StatusOK, v, translate(rq.lang, "requests.shredded", shredded, req.Matches))
}

// discloseRequest mails the person every record held about them, readable
// and as JSON, and closes the request. The audit entry counts records and
// holds nothing of them.
func (c *Console) discloseRequest(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	v := c.requestView(rq.lang, req)
	if !v.CanDisclose {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.cannot_disclose"))
		return
	}
	if c.opt.Mailer == nil {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.mail_off"))
		return
	}
	export, err := c.opt.Requests.Disclose(ctx, req.ID)
	if errors.Is(err, dsr.ErrState) {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.closed"))
		return
	}
	if err != nil {
		c.internal(w, r, rq, "disclose for request", err)
		return
	}
	sub, err := c.opt.Requests.Subject(ctx, req.ID)
	if err != nil {
		c.internal(w, r, rq, "address of request", err)
		return
	}
	msg, err := c.disclosureMail(req, sub.Email, export)
	if err != nil {
		c.internal(w, r, rq, "disclosure mail", err)
		return
	}
	e := rq.entry("request.disclose", requestObject(req.ID), audit.OK)
	e.Detail = map[string]string{"records": strconv.Itoa(len(export.Records)), "unavailable": strconv.Itoa(export.Unavailable), "delivery": "mail"}
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := c.opt.Mailer.Send(sendCtx, msg); err != nil {
		e.Outcome = audit.Failed
		c.record(ctx, e)
		c.log.Error("console: send disclosure", "object", e.Object, "err", err)
		c.showRequest(w, r, rq, http.StatusBadGateway, v, "", translate(rq.lang, "requests.send_failed"))
		return
	}
	c.record(ctx, e)
	note := fmt.Sprintf("records disclosed by e-mail: %d", len(export.Records))
	if err := c.opt.Requests.SetStatus(ctx, req.ID, dsr.Done, note); err != nil {
		c.log.Error("console: close disclosed request", "object", e.Object, "err", err)
	} else {
		st := rq.entry("request.status", e.Object, audit.OK)
		st.Detail = map[string]string{"from": string(req.Status), "to": string(dsr.Done)}
		c.record(ctx, st)
	}
	redirect(w, r, "/admin/requests/"+req.ID, "request_disclosed")
}

// disclosurePurposes are the purposes for which staff may read a
// disclosure before handing it to the person: to answer the request, or to
// check whether a ground for withholding part of it applies (APPI art.
// 33(2)). Reading it is recorded with the purpose chosen, as opening a
// submission is.
var disclosurePurposes = []string{"disclosure-answer", "disclosure-review"}

// exportRequest offers the disclosure as a JSON download, for sending it
// by other means when the console has no mail: with mail, the disclosure
// goes to the confirmed address and nobody needs to read it. The caller
// states a purpose and must handle the form of every record the download
// holds; the reading is recorded with the purpose before any byte is sent.
func (c *Console) exportRequest(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	req, ok := c.loadRequest(w, r, rq)
	if !ok {
		return
	}
	v := c.requestView(rq.lang, req)
	switch {
	case !v.CanDisclose:
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.cannot_disclose"))
		return
	case !v.MailOff:
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.export_mail_on"))
		return
	}
	purpose := r.PostFormValue("purpose")
	if !slices.Contains(disclosurePurposes, purpose) {
		c.showRequest(w, r, rq, http.StatusUnprocessableEntity, v, "", translate(rq.lang, "requests.purpose_required"))
		return
	}
	export, err := c.opt.Requests.Disclose(ctx, req.ID)
	if errors.Is(err, dsr.ErrState) {
		c.showRequest(w, r, rq, http.StatusConflict, v, "", translate(rq.lang, "requests.closed"))
		return
	}
	if err != nil {
		c.internal(w, r, rq, "export for request", err)
		return
	}
	if others := foreignForms(rq.user, export); len(others) > 0 {
		// A part of the records is no answer to the person, so the
		// download is all or nothing: an owner prepares it.
		e := rq.entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied)
		e.Purpose = purpose
		e.Detail = map[string]string{"reason": "records of forms not assigned", "forms": strings.Join(others, ",")}
		c.record(ctx, e)
		c.showRequest(w, r, rq, http.StatusForbidden, v, "", translate(rq.lang, "requests.export_forms"))
		return
	}
	body, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		c.internal(w, r, rq, "encode export", err)
		return
	}
	e := rq.entry("request.export", requestObject(req.ID), audit.OK)
	e.Purpose = purpose
	e.Detail = map[string]string{"records": strconv.Itoa(len(export.Records)), "unavailable": strconv.Itoa(export.Unavailable)}
	if _, err := c.trail.Append(ctx, e); err != nil {
		c.internal(w, r, rq, "audit request.export", err)
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
