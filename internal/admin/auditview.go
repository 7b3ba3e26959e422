package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/timefmt"
)

// auditView is the audit trail page's data.
type auditView struct {
	Entries []audit.Entry
	Rows    []auditRow
	// Actions are the recorded actions the filter offers, named.
	Actions  []Option
	Filter   auditFilterForm
	Zone     string // the site's time zone, named
	Older    string // link to the next page, "" on the last
	Total    int64
	Verified *audit.Report
}

// auditFilterForm is the filter as the form shows it.
type auditFilterForm struct {
	Actor, Action, Object, Outcome, Since, Until string
}

const auditPageSize = 50

// readAuditFilter reads the filter from the query string or form; its
// dates are days in loc. An error is a message key.
func readAuditFilter(r *http.Request, loc *time.Location) (audit.Filter, auditFilterForm, error) {
	form := auditFilterForm{
		Actor:   strings.TrimSpace(r.FormValue("actor")),
		Action:  strings.TrimSpace(r.FormValue("action")),
		Object:  strings.TrimSpace(r.FormValue("object")),
		Outcome: r.FormValue("outcome"),
		Since:   r.FormValue("since"),
		Until:   r.FormValue("until"),
	}
	f := audit.Filter{Actor: form.Actor, Action: form.Action, Object: form.Object, Outcome: audit.Outcome(form.Outcome)}
	switch f.Outcome {
	case "", audit.OK, audit.Denied, audit.Failed:
	default:
		return f, form, errors.New("audit.bad_outcome")
	}
	var err error
	if form.Since != "" {
		if f.Since, err = time.ParseInLocation(time.DateOnly, form.Since, loc); err != nil {
			return f, form, errors.New("audit.bad_since")
		}
	}
	if form.Until != "" {
		if f.Until, err = time.ParseInLocation(time.DateOnly, form.Until, loc); err != nil {
			return f, form, errors.New("audit.bad_until")
		}
		f.Until = f.Until.AddDate(0, 0, 1) // the whole of the last day
	}
	if s := r.FormValue("before"); s != "" {
		if f.BeforeSeq, err = strconv.ParseInt(s, 10, 64); err != nil {
			return f, form, errors.New("audit.bad_page")
		}
	}
	return f, form, nil
}

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.showAudit(w, r, rq, nil)
}

func (c *Console) showAudit(w http.ResponseWriter, r *http.Request, rq *Request, verified *audit.Report) {
	ctx := r.Context()
	f, form, err := readAuditFilter(r, c.Location())
	zone := timefmt.Zone(string(rq.lang), c.Location(), c.now())
	if err != nil {
		p := c.PageFor(r, rq, "audit.title")
		p.Errors = []string{i18n.T(rq.lang, err.Error())}
		p.Body = auditView{Filter: form, Zone: zone}
		c.Write(w, http.StatusBadRequest, "audit", p)
		return
	}
	f.Limit = auditPageSize
	v := auditView{Filter: form, Verified: verified, Zone: zone}
	var actions []string
	if v.Entries, err = c.trail.List(ctx, f); err == nil {
		if actions, err = c.trail.Actions(ctx); err == nil {
			v.Total, err = c.trail.Count(ctx, audit.Filter{Actor: f.Actor, Action: f.Action, Object: f.Object, Outcome: f.Outcome, Since: f.Since, Until: f.Until})
		}
	}
	if err != nil {
		c.Internal(w, r, rq, "read audit trail", err)
		return
	}
	v.Rows = auditRows(string(rq.lang), c.opt.Manifest(), v.Entries)
	for _, a := range actions {
		v.Actions = append(v.Actions, Option{Value: a, Label: auditAction(string(rq.lang), a), Selected: a == form.Action})
	}
	if len(v.Entries) == auditPageSize {
		q := url.Values{}
		for k, val := range map[string]string{"actor": form.Actor, "action": form.Action, "object": form.Object, "outcome": form.Outcome, "since": form.Since, "until": form.Until} {
			if val != "" {
				q.Set(k, val)
			}
		}
		q.Set("before", strconv.FormatInt(v.Entries[len(v.Entries)-1].Seq, 10))
		v.Older = "/admin/audit?" + q.Encode()
	}
	c.Render(w, r, rq, http.StatusOK, "audit", "audit.title", v)
}

func (c *Console) auditExport(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	f, form, err := readAuditFilter(r, c.Location())
	if err != nil {
		c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	f.BeforeSeq = 0
	// The export is recorded before any of it is sent: if the record cannot
	// be written, nothing leaves.
	e := rq.entry("audit.export", "audit", audit.OK)
	e.Detail = map[string]string{"actor": form.Actor, "action": form.Action, "object": form.Object, "outcome": form.Outcome, "since": form.Since, "until": form.Until}
	if _, err := c.trail.Append(ctx, e); err != nil {
		c.Internal(w, r, rq, "audit the export", err)
		return
	}
	name := "noren-audit-" + c.now().UTC().Format("20060102-150405") + ".jsonl"
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if _, err := c.trail.Export(ctx, w, f); err != nil {
		c.log.Error("export audit trail", "err", err)
	}
}

func (c *Console) auditVerify(w http.ResponseWriter, r *http.Request, rq *Request) {
	rep, err := c.trail.Verify(r.Context(), nil)
	if err != nil {
		c.Internal(w, r, rq, "verify audit trail", err)
		return
	}
	outcome := audit.OK
	if rep.Problem != nil {
		outcome = audit.Failed
	}
	e := rq.entry("audit.verify", "audit", outcome)
	e.Detail = map[string]string{"entries": itoa(rep.Entries), "head": rep.Head.String()}
	c.Record(r.Context(), e)
	c.showAudit(w, r, rq, &rep)
}
