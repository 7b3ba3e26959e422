package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
)

// consentView is the consent statistics page's data.
type consentView struct {
	From, To string // YYYY-MM-DD, inclusive, as the form shows them
	Days     []consent.DayCount
	Total    consent.DayCount
	Chart    template.HTML
}

// maxConsentRange bounds the days one page or export covers.
const maxConsentRange = 366

// consentRange reads the from and to dates (inclusive, UTC days) of the
// form, defaulting to the last 30 days.
func (c *Console) consentRange(r *http.Request) (from, to time.Time, err error) {
	today := c.now().UTC().Truncate(24 * time.Hour)
	from, to = today.AddDate(0, 0, -29), today
	if s := r.FormValue("from"); s != "" {
		if from, err = time.Parse(time.DateOnly, s); err != nil {
			return from, to, fmt.Errorf("the start date must be written YYYY-MM-DD")
		}
	}
	if s := r.FormValue("to"); s != "" {
		if to, err = time.Parse(time.DateOnly, s); err != nil {
			return from, to, fmt.Errorf("the end date must be written YYYY-MM-DD")
		}
	}
	switch {
	case to.Before(from):
		return from, to, fmt.Errorf("the end date is before the start date")
	case to.Sub(from) > maxConsentRange*24*time.Hour:
		return from, to, fmt.Errorf("choose at most %d days", maxConsentRange)
	}
	return from, to, nil
}

func (c *Console) consentPage(w http.ResponseWriter, r *http.Request, rq *request) {
	from, to, err := c.consentRange(r)
	v := consentView{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	if err != nil {
		p := c.pageFor(r, rq, "consent.title")
		p.Errors = []string{err.Error()}
		p.Body = v
		c.write(w, http.StatusBadRequest, "consent", p)
		return
	}
	if c.opt.Consent == nil {
		c.render(w, r, rq, http.StatusOK, "consent", "consent.title", v)
		return
	}
	days, err := c.opt.Consent.Daily(r.Context(), from, to.AddDate(0, 0, 1))
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
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	days := []consent.DayCount{}
	if c.opt.Consent != nil {
		if days, err = c.opt.Consent.Daily(r.Context(), from, to.AddDate(0, 0, 1)); err != nil {
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
// custom, reject all) with the GPC count as a line, in SVG so the page
// needs no script. Each series has its own pattern as well as its colour,
// and the page shows the same figures in a table.
func consentChart(days []consent.DayCount, lang string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	const width, height, left, bottom, top = 720.0, 240.0, 40.0, 24.0, 8.0
	peak := 1
	for _, d := range days {
		peak = max(peak, d.AcceptAll+d.RejectAll+d.Custom, d.GPC)
	}
	plotH := height - bottom - top
	step := (width - left) / float64(len(days))
	bar := step * 0.7
	y := func(v int) float64 { return top + plotH - plotH*float64(v)/float64(peak) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="chart-title" preserveAspectRatio="xMinYMin meet">`, width, height)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, template.HTMLEscapeString(translate(lang, "consent.chart")))
	b.WriteString(`<defs><pattern id="p-reject" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#a4161a"/><path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/></pattern>` +
		`<pattern id="p-custom" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#8a5a00"/><circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern></defs>`)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#4d4d4d"/>`, left, top+plotH, width, top+plotH)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#1a1a1a">%d</text>`, left-4, top+8, peak)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#1a1a1a">0</text>`, left-4, top+plotH)
	var line strings.Builder
	for i, d := range days {
		x := left + float64(i)*step + (step-bar)/2
		base := 0
		for _, s := range []struct {
			n    int
			fill string
		}{{d.AcceptAll, "#1a6a2e"}, {d.Custom, "url(#p-custom)"}, {d.RejectAll, "url(#p-reject)"}} {
			if s.n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y(base+s.n), bar, y(base)-y(base+s.n), s.fill)
			base += s.n
		}
		sep := "L"
		if i == 0 {
			sep = "M"
		}
		fmt.Fprintf(&line, "%s%.1f %.1f", sep, x+bar/2, y(d.GPC))
		if len(days) <= 31 || i%7 == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle" fill="#1a1a1a">%s</text>`, x+bar/2, height-8, d.Day[5:])
		}
	}
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#00338d" stroke-width="2" stroke-dasharray="5 3"/>`, line.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
