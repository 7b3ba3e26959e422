package statistics

import (
	"html/template"

	"github.com/noren-web/noren/internal/chart"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/i18n"
)

// drawChart draws the choices per day as stacked bars (accept all, custom,
// reject all) with the GPC count as a dashed line. Each series has its own
// pattern as well as its colour, and the page shows the same figures in a
// table.
func drawChart(days []consent.DayCount, lang string) template.HTML {
	c := chart.Chart{
		ID:    "consent-chart",
		Title: i18n.T(i18n.Lang(lang), "consent.title"),
		Desc:  i18n.T(i18n.Lang(lang), "consent.chart"),
		Defs: `<pattern id="p-reject" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#a4161a"/><path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/></pattern>` +
			`<pattern id="p-custom" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#8a5a00"/><circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern>`,
	}
	accept, custom, reject, gpc := make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		c.Labels = append(c.Labels, d.Day[5:])
		accept[i], custom[i], reject[i], gpc[i] = float64(d.AcceptAll), float64(d.Custom), float64(d.RejectAll), float64(d.GPC)
	}
	c.Bars = []chart.Series{{Paint: "#1a6a2e", Values: accept}, {Paint: "url(#p-custom)", Values: custom}, {Paint: "url(#p-reject)", Values: reject}}
	c.Lines = []chart.Series{{Paint: "#00338d", Dashed: true, Values: gpc}}
	return c.SVG()
}
