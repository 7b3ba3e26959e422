// Package statistics is the consent section of the console: the choices
// visitors made per day at /admin/consent, their audited CSV export, and
// the same figures in the JSON API at /admin/api/consent. The records hold
// nothing that identifies a visitor.
package statistics

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/timefmt"
)

// Options configure the consent section.
type Options struct {
	// Records holds visitors' consent records; nil leaves the page empty.
	Records *consent.Records
}

// Statistics is the consent section of the console.
type Statistics struct {
	opt Options
}

// New returns the consent section; the console serves it once it is among
// its sections.
func New(opt Options) *Statistics { return &Statistics{opt: opt} }

// pageName is the section's template, web/templates/consent/statistics.html.
const pageName = "statistics"

// ConsoleSection returns the section's routes, page and menu entry.
func (st *Statistics) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{records: st.opt.Records, c: c}
	route := func(method, pattern string, access admin.Access, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: method, Pattern: pattern, Access: access, Permission: account.ReadConsentStats}, Serve: h}
	}
	return admin.Section{
		Name:  "consent",
		Pages: []string{"templates/consent/" + pageName + ".html"},
		Nav:   []admin.NavItem{{Href: "/admin/consent", Key: "nav.consent", Permission: account.ReadConsentStats, Order: 60}},
		Routes: []admin.Handler{
			route("GET", "/admin/consent", admin.Signed, s.page),
			route("POST", "/admin/consent/export", admin.Signed, s.export),
			route("GET", "/admin/api/consent", admin.API, s.api),
		},
	}, nil
}

// section serves the consent routes through the console.
type section struct {
	records *consent.Records
	c       *admin.Console
}

// view is the statistics page's data.
type view struct {
	From, To string // YYYY-MM-DD, inclusive, as the form shows them
	Zone     string // the site's time zone, named
	Days     []consent.DayCount
	Total    consent.DayCount
	Chart    template.HTML
}

// maxRange bounds the days one page or export covers.
const maxRange = 366

// dateRange reads the from and to dates (inclusive, days in the site's
// time zone) of the form, defaulting to the last 30 days. An error is a
// message key.
func (s *section) dateRange(r *http.Request) (from, to time.Time, err error) {
	loc := s.c.Location()
	now := s.c.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from, to = today.AddDate(0, 0, -29), today
	if v := r.FormValue("from"); v != "" {
		if from, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return from, to, errors.New("consent.bad_from")
		}
	}
	if v := r.FormValue("to"); v != "" {
		if to, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return from, to, errors.New("consent.bad_to")
		}
	}
	switch {
	case to.Before(from):
		return from, to, errors.New("consent.bad_order")
	case to.Sub(from) > maxRange*24*time.Hour:
		return from, to, errors.New("consent.too_long")
	}
	return from, to, nil
}

// problem says in lang what dateRange found wrong.
func problem(lang string, err error) string {
	if err.Error() == "consent.too_long" {
		return i18n.T(i18n.Lang(lang), err.Error(), maxRange)
	}
	return i18n.T(i18n.Lang(lang), err.Error())
}

func (s *section) page(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	from, to, err := s.dateRange(r)
	v := view{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Zone: timefmt.Zone(rq.Lang(), s.c.Location(), from)}
	if err != nil {
		p := s.c.PageFor(r, rq, "consent.title")
		p.Errors = []string{problem(rq.Lang(), err)}
		p.Body = v
		s.c.Write(w, http.StatusBadRequest, pageName, p)
		return
	}
	if s.records == nil {
		s.c.Render(w, r, rq, http.StatusOK, pageName, "consent.title", v)
		return
	}
	days, err := s.records.Daily(r.Context(), from, to.AddDate(0, 0, 1), s.c.Location())
	if err != nil {
		s.c.Internal(w, r, rq, "consent statistics", err)
		return
	}
	v.Days = days
	for _, d := range days {
		v.Total.AcceptAll += d.AcceptAll
		v.Total.RejectAll += d.RejectAll
		v.Total.Custom += d.Custom
		v.Total.GPC += d.GPC
	}
	v.Chart = drawChart(days, rq.Lang())
	s.c.Render(w, r, rq, http.StatusOK, pageName, "consent.title", v)
}

func (s *section) export(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	from, to, err := s.dateRange(r)
	if err != nil || s.records == nil {
		s.c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	// The export is recorded before any of it is sent.
	e := rq.Entry("consent.export", "consent_records", audit.OK)
	e.Detail = map[string]string{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}
	if err := s.c.Audit(r.Context(), e); err != nil {
		s.c.Internal(w, r, rq, "audit the consent export", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="noren-consent-%s-%s.csv"`, from.Format("20060102"), to.Format("20060102")))
	if _, err := s.records.WriteCSV(r.Context(), w, from, to.AddDate(0, 0, 1)); err != nil {
		s.c.Logger().Error("export consent records", "err", err)
	}
}

// apiDay is one day of GET /admin/api/consent.
type apiDay struct {
	Day       string `json:"day"`
	AcceptAll int    `json:"accept_all"`
	RejectAll int    `json:"reject_all"`
	Custom    int    `json:"custom"`
	GPC       int    `json:"gpc"`
}

func (s *section) api(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	from, to, err := s.dateRange(r)
	if err != nil {
		admin.WriteJSONError(w, http.StatusBadRequest, problem("en", err))
		return
	}
	days := []consent.DayCount{}
	if s.records != nil {
		if days, err = s.records.Daily(r.Context(), from, to.AddDate(0, 0, 1), s.c.Location()); err != nil {
			s.c.Internal(w, r, rq, "consent statistics", err)
			return
		}
	}
	out := make([]apiDay, len(days))
	for i, d := range days {
		out[i] = apiDay{d.Day, d.AcceptAll, d.RejectAll, d.Custom, d.GPC}
	}
	admin.WriteJSON(w, http.StatusOK, map[string]any{"days": out})
}
