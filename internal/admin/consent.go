package admin

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/timefmt"
)

// consentView is the consent statistics page's data.
type consentView struct {
	From, To string // YYYY-MM-DD, inclusive, as the form shows them
	Zone     string // the site's time zone, named
	Days     []consent.DayCount
	Total    consent.DayCount
	Chart    template.HTML
}

// maxConsentRange bounds the days one page or export covers.
const maxConsentRange = 366

// consentRange reads the from and to dates (inclusive, days in the site's
// time zone) of the form, defaulting to the last 30 days. An error is a
// message key.
func (c *Console) consentRange(r *http.Request) (from, to time.Time, err error) {
	loc := c.location()
	now := c.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from, to = today.AddDate(0, 0, -29), today
	if s := r.FormValue("from"); s != "" {
		if from, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			return from, to, errors.New("consent.bad_from")
		}
	}
	if s := r.FormValue("to"); s != "" {
		if to, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			return from, to, errors.New("consent.bad_to")
		}
	}
	switch {
	case to.Before(from):
		return from, to, errors.New("consent.bad_order")
	case to.Sub(from) > maxConsentRange*24*time.Hour:
		return from, to, errors.New("consent.too_long")
	}
	return from, to, nil
}

// consentProblem says in lang what consentRange found wrong.
func consentProblem(lang string, err error) string {
	if err.Error() == "consent.too_long" {
		return translate(lang, err.Error(), maxConsentRange)
	}
	return translate(lang, err.Error())
}

func (c *Console) consentPage(w http.ResponseWriter, r *http.Request, rq *request) {
	from, to, err := c.consentRange(r)
	v := consentView{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Zone: timefmt.Zone(rq.lang, c.location(), from)}
	if err != nil {
		p := c.pageFor(r, rq, "consent.title")
		p.Errors = []string{consentProblem(rq.lang, err)}
		p.Body = v
		c.write(w, http.StatusBadRequest, "consent", p)
		return
	}
	if c.opt.Consent == nil {
		c.render(w, r, rq, http.StatusOK, "consent", "consent.title", v)
		return
	}
	days, err := c.opt.Consent.Daily(r.Context(), from, to.AddDate(0, 0, 1), c.location())
	if err != nil {
		c.internal(w, r, rq, "consent statistics", err)
		return
	}
	v.Days = days
	for _, d := range days {
		v.Total.AcceptAll += d.AcceptAll
		v.Total.RejectAll += d.RejectAll
		v.Total.Custom += d.Custom
		v.Total.GPC += d.GPC
	}
	v.Chart = consentChart(days, rq.lang)
	c.render(w, r, rq, http.StatusOK, "consent", "consent.title", v)
}

func (c *Console) consentExport(w http.ResponseWriter, r *http.Request, rq *request) {
	from, to, err := c.consentRange(r)
	if err != nil || c.opt.Consent == nil {
		c.fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	// The export is recorded before any of it is sent.
	e := rq.entry("consent.export", "consent_records", audit.OK)
	e.Detail = map[string]string{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}
	if _, err := c.trail.Append(r.Context(), e); err != nil {
		c.internal(w, r, rq, "audit the consent export", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="noren-consent-%s-%s.csv"`, from.Format("20060102"), to.Format("20060102")))
	if _, err := c.opt.Consent.WriteCSV(r.Context(), w, from, to.AddDate(0, 0, 1)); err != nil {
		c.log.Error("export consent records", "err", err)
	}
}

func (c *Console) apiConsent(w http.ResponseWriter, r *http.Request, rq *request) {
	from, to, err := c.consentRange(r)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, consentProblem("en", err))
		return
	}
	days := []consent.DayCount{}
	if c.opt.Consent != nil {
		if days, err = c.opt.Consent.Daily(r.Context(), from, to.AddDate(0, 0, 1), c.location()); err != nil {
			c.internal(w, r, rq, "consent statistics", err)
			return
		}
	}
	type day struct {
		Day       string `json:"day"`
		AcceptAll int    `json:"accept_all"`
		RejectAll int    `json:"reject_all"`
		Custom    int    `json:"custom"`
		GPC       int    `json:"gpc"`
	}
	out := make([]day, len(days))
	for i, d := range days {
		out[i] = day{d.Day, d.AcceptAll, d.RejectAll, d.Custom, d.GPC}
	}
	writeJSON(w, http.StatusOK, map[string]any{"days": out})
}

// consentChart draws the choices per day as stacked bars (accept all,
// custom, reject all) with the GPC count as a dashed line. Each series has
// its own pattern as well as its colour, and the page shows the same
// figures in a table.
func consentChart(days []consent.DayCount, lang string) template.HTML {
	c := chart{
		id:    "consent-chart",
		title: translate(lang, "consent.title"),
		desc:  translate(lang, "consent.chart"),
		defs: `<pattern id="p-reject" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#a4161a"/><path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/></pattern>` +
			`<pattern id="p-custom" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#8a5a00"/><circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern>`,
	}
	accept, custom, reject, gpc := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		c.labels = append(c.labels, d.Day[5:])
		accept[i], custom[i], reject[i], gpc[i] = float64(d.AcceptAll), float64(d.Custom), float64(d.RejectAll), float64(d.GPC)
	}
	c.bars = []chartSeries{{paint: "#1a6a2e", values: accept}, {paint: "url(#p-custom)", values: custom}, {paint: "url(#p-reject)", values: reject}}
	c.lines = []chartSeries{{paint: "#00338d", dashed: true, values: gpc}}
	return c.svg()
}
