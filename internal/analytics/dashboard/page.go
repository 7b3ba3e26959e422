package dashboard

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/chart"
	"github.com/noren-web/noren/internal/i18n"
)

// view is the dashboard's data.
type view struct {
	Configured bool
	Site       string
	Sites      []linkOption
	Periods    []linkOption
	// From and To fill the custom range form.
	From, To string
	Range    string // the period as the page shows it
	// Hidden carries the rest of the query through the custom range form.
	Hidden   []hiddenField
	Filters  []filterChip
	Realtime string
	// RealtimeURL is what the dashboard script refreshes the figure from.
	RealtimeURL string
	Figures     []headline
	// Compared says what the changes compare with, or that they cannot.
	Compared     string
	Chart        template.HTML
	ChartCaption string
	Series       []seriesRow
	Groups       []panelGroup
	ExportSeries string
	// Unavailable explains why there are no figures (a range whose raw
	// events are gone).
	Unavailable string
}

// linkOption is one choice of a list of links, such as a period.
type linkOption struct {
	Label, Href string
	Current     bool
}

type hiddenField struct{ Name, Value string }

// filterChip is a filter in force, with the link that removes it.
type filterChip struct {
	Dimension, Value, Remove string
}

// headline is one of the headline figures, linking to its chart.
type headline struct {
	Label, Value, Change, Previous, Href string
	// Trend is "up", "down" or "same", for the arrow; Tone is "good",
	// "bad" or "same", for the colour: a bounce rate going up is bad.
	Trend, Tone string
	Current     bool
}

// seriesRow is one point of the chart, for its table.
type seriesRow struct{ Label, Value, Previous string }

// panelGroup is a box of the dashboard holding related panels.
type panelGroup struct {
	ID, Title string
	Panels    []panel
}

// panel lists the top values of one dimension.
type panel struct {
	Dimension, Title, ValueHead, SecondHead string
	Rows                                    []panelRow
	// Toggle folds or unfolds the panel; Folded says which it does.
	Toggle, ToggleLabel string
	Export              string
	Truncated           bool // unfolded, and there are more rows than shown
}

// panelRow is one value of a panel, linking to the filter on it.
type panelRow struct {
	Label, Href, Visitors, Second, Share string
	// Verbatim marks a value shown as stored (a path, a host, a search
	// term), which is not text to translate.
	Verbatim bool
}

// panelGroups arranges every dimension in the dashboard's boxes.
func panelGroups() []struct {
	id   string
	dims []string
} {
	return []struct {
		id   string
		dims []string
	}{
		{"sources", []string{"source", "referrer", "campaign"}},
		{"pages", []string{"path", "entry", "exit"}},
		{"locations", []string{"country", "language"}},
		{"devices", []string{"browser", "os", "device", "screen"}},
		{"goals", []string{"event", "outbound", "download", "404"}},
		{"search", []string{"search", "search-zero"}},
	}
}

// secondFigure names the figure a dimension's panel shows next to the
// visitors: what is counted per value besides people.
func secondFigure(dim string) string {
	switch dim {
	case "path":
		return "pageviews"
	case "entry", "exit":
		return "visits"
	case "outbound", "download", "404", "search", "search-zero", "event":
		return "events"
	}
	return ""
}

// rowFigure returns a row's figure named by secondFigure.
func rowFigure(r analytics.Row, fig string) int64 {
	switch fig {
	case "pageviews":
		return r.Pageviews
	case "visits":
		return r.Visits
	case "events":
		return r.Events
	}
	return r.Visitors
}

// figures is what the dashboard reads from the Reader for one
// request.
type figures struct {
	totals, prevTotals analytics.Totals
	series, prevSeries []analytics.Point
	top                map[string][]analytics.Row
	// prevErr is why the previous period could not be read; the page then
	// shows no changes.
	prevErr  error
	realtime int64
	// realtimeErr leaves the realtime figure out.
	realtimeErr error
}

// dashboardTimeout bounds the queries of one dashboard page.
const dashboardTimeout = 20 * time.Second

// readDashboard reads every figure of the dashboard, the queries running
// side by side. An error of the period's own figures is returned; one of
// the previous period's or of the realtime count only leaves them out.
func (s *section) readDashboard(ctx context.Context, aq query, site string, now time.Time) (figures, error) {
	// A breakdown filtered on a second dimension is counted from raw
	// events, which over a long range of a large site takes minutes on
	// SQLite: the page gives up rather than hold a reader that long.
	ctx, cancel := context.WithTimeout(ctx, dashboardTimeout)
	defer cancel()
	rd := s.reader
	cur, prev := aq.filters(site, now, s.c.Location())
	interval := aq.interval()
	d := figures{top: map[string][]analytics.Row{}}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	keep := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	wg.Go(func() {
		var err error
		d.totals, err = rd.Totals(ctx, cur)
		keep(err)
	})
	wg.Go(func() {
		var err error
		d.series, err = rd.Series(ctx, cur, interval)
		keep(err)
	})
	var prevTotalsErr, prevSeriesErr error
	wg.Go(func() { d.prevTotals, prevTotalsErr = rd.Totals(ctx, prev) })
	wg.Go(func() { d.prevSeries, prevSeriesErr = rd.Series(ctx, prev, interval) })
	wg.Go(func() { d.realtime, d.realtimeErr = rd.Realtime(ctx, site, now) })
	for _, g := range panelGroups() {
		for _, dim := range g.dims {
			wg.Go(func() {
				// One row more than shown tells whether there are more.
				rows, err := rd.Top(ctx, cur, dim, aq.limitFor(dim)+1)
				keep(err)
				mu.Lock()
				d.top[dim] = rows
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return d, errors.Join(errs...)
	}
	d.prevErr = errors.Join(prevTotalsErr, prevSeriesErr)
	if d.prevErr != nil {
		if _, ok := readerError(d.prevErr); !ok {
			return d, d.prevErr
		}
	}
	return d, nil
}

func (s *section) page(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	v := view{Configured: s.reader != nil && len(s.sites) > 0}
	if !v.Configured {
		s.c.Render(w, r, rq, http.StatusOK, pageName, "analytics.title", v)
		return
	}
	q := r.URL.Query()
	site, ok := s.site(q.Get("site"))
	if !ok {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	now := s.c.Now()
	loc := s.c.Location()
	aq, err := parseQuery(q, now, loc)
	if err != nil {
		// The page keeps the dates as typed, and offers the periods
		// without the query that went wrong.
		base, _ := parseQuery(url.Values{}, now, loc)
		s.dashboardNavigation(&v, base, site, i18n.Lang(rq.Lang()))
		for i := range v.Periods {
			v.Periods[i].Current = false
		}
		v.From, v.To, v.Range = q.Get("from"), q.Get("to"), ""
		s.problem(w, r, rq, v, err)
		return
	}
	s.dashboardNavigation(&v, aq, site, i18n.Lang(rq.Lang()))
	d, err := s.readDashboard(r.Context(), aq, site, now)
	if err != nil {
		s.problem(w, r, rq, v, err)
		return
	}
	s.fillDashboard(&v, aq, site, d, i18n.Lang(rq.Lang()))
	s.c.Render(w, r, rq, http.StatusOK, pageName, "analytics.title", v)
}

// problem answers a query the dashboard cannot answer with the
// page and the reason, or with 500 for an unexpected error.
func (s *section) problem(w http.ResponseWriter, r *http.Request, rq *admin.Request, v view, err error) {
	var qe *queryError
	if !errors.As(err, &qe) {
		var ok bool
		if qe, ok = readerError(err); !ok {
			s.c.Internal(w, r, rq, "analytics dashboard", err)
			return
		}
	}
	p := s.c.PageFor(r, rq, "analytics.title")
	if qe.status == http.StatusUnprocessableEntity {
		v.Unavailable = qe.message(i18n.Lang(rq.Lang()))
	} else {
		p.Errors = []string{qe.message(i18n.Lang(rq.Lang()))}
	}
	p.Body = v
	s.c.Write(w, qe.status, pageName, p)
}

// dashboardURL is the dashboard's address for a query.
func (s *section) dashboardURL(aq query, site string) string {
	return withQuery("/admin/analytics", aq.values(site, s.sites[0]))
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// dashboardNavigation fills in the parts of the page that choose what it
// shows: sites, periods, the custom range and the filters.
func (s *section) dashboardNavigation(v *view, aq query, site string, lang i18n.Lang) {
	v.Site = site
	if len(s.sites) > 1 {
		for _, name := range s.sites {
			v.Sites = append(v.Sites, linkOption{Label: name, Href: s.dashboardURL(aq, name), Current: name == site})
		}
	}
	for _, p := range presetPeriods() {
		other := aq
		other.Period = p
		v.Periods = append(v.Periods, linkOption{Label: i18n.T(lang, "analytics.period."+p), Href: s.dashboardURL(other, site), Current: aq.Period == p})
	}
	if !aq.First.IsZero() {
		v.From, v.To = aq.First.Format(time.DateOnly), aq.Last.Format(time.DateOnly)
		v.Range = v.From
		if !aq.Last.Equal(aq.First) {
			v.Range = i18n.T(lang, "analytics.range", v.From, v.To)
		}
	}
	custom := aq
	custom.Period = periodCustom
	for name, values := range custom.values(site, "") {
		if name == "from" || name == "to" {
			continue
		}
		for _, val := range values {
			v.Hidden = append(v.Hidden, hiddenField{name, val})
		}
	}
	slices.SortStableFunc(v.Hidden, func(a, b hiddenField) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range aq.Filters {
		v.Filters = append(v.Filters, filterChip{
			Dimension: i18n.T(lang, "analytics.col."+f.Dimension),
			Value:     valueLabel(f.Dimension, f.Value, lang),
			Remove:    s.dashboardURL(aq.withoutFilter(i), site),
		})
	}
}

// fillDashboard turns the figures read into the page's headline figures,
// chart and panels.
func (s *section) fillDashboard(v *view, aq query, site string, d figures, lang i18n.Lang) {
	if d.realtimeErr != nil {
		s.c.Logger().Error("analytics realtime visitors", "site", site, "err", d.realtimeErr)
		v.Realtime = "—"
	} else {
		v.Realtime = formatCount(d.realtime)
	}
	v.RealtimeURL = withQuery("/admin/analytics/realtime", url.Values{"site": {site}})
	compare := d.prevErr == nil
	v.Compared = i18n.T(lang, "analytics.compared")
	if !compare {
		v.Compared = i18n.T(lang, "analytics.no_comparison")
	}
	for _, m := range metrics() {
		h := headline{
			Label:   i18n.T(lang, "analytics.metric."+m),
			Value:   formatMetric(m, metricValue(m, d.totals), lang),
			Href:    s.dashboardURL(withMetric(aq, m), site),
			Current: m == aq.Metric,
		}
		if compare {
			h.Change, h.Trend = metricChange(m, d.totals, d.prevTotals)
			h.Tone = map[string]string{"up": "good", "down": "bad"}[h.Trend]
			if m == metricBounce {
				h.Tone = map[string]string{"up": "bad", "down": "good"}[h.Trend]
			}
			if h.Tone == "" {
				h.Tone = "same"
			}
			h.Previous = formatMetric(m, metricValue(m, d.prevTotals), lang)
		}
		v.Figures = append(v.Figures, h)
	}
	drawChart(v, aq, d, compare, lang)
	v.ExportSeries = withQuery("/admin/analytics/export.csv", aq.values(site, ""))

	for _, g := range panelGroups() {
		group := panelGroup{ID: g.id, Title: i18n.T(lang, "analytics.group."+g.id)}
		for _, dim := range g.dims {
			group.Panels = append(group.Panels, s.dashboardPanel(aq, site, dim, d.top[dim], d.totals.Visitors, lang))
		}
		v.Groups = append(v.Groups, group)
	}
}

func withMetric(aq query, m string) query {
	aq.Metric = m
	return aq
}

// drawChart draws the chosen metric over the period, the previous
// period dashed, with a table of the same figures.
func drawChart(v *view, aq query, d figures, compare bool, lang i18n.Lang) {
	interval := aq.interval()
	axis, full := "01-02", time.DateOnly
	switch interval {
	case "hour":
		axis, full = "15:04", "2006-01-02 15:04"
	case "month":
		axis, full = "2006-01", "2006-01"
	}
	metricName := i18n.T(lang, "analytics.metric."+aq.Metric)
	ch := chart.Chart{
		ID:    "analytics-chart",
		Title: i18n.T(lang, "analytics.chart_title", metricName, v.Range),
		Desc:  i18n.T(lang, "analytics.chart", metricName, i18n.T(lang, "analytics.per."+interval)),
		Format: func(x float64) string {
			return formatMetric(aq.Metric, x, lang)
		},
	}
	cur := make([]float64, len(d.series))
	prev := make([]float64, len(d.series))
	tips := make([]string, len(d.series))
	for i, p := range d.series {
		ch.Labels = append(ch.Labels, p.Start.Format(axis))
		cur[i] = metricValue(aq.Metric, p.Totals)
		prev[i] = math.NaN()
		row := seriesRow{Label: p.Start.Format(full), Value: formatMetric(aq.Metric, cur[i], lang), Previous: "—"}
		if compare && i < len(d.prevSeries) {
			prev[i] = metricValue(aq.Metric, d.prevSeries[i].Totals)
			row.Previous = formatMetric(aq.Metric, prev[i], lang)
		}
		tips[i] = i18n.T(lang, "analytics.tip", row.Label, row.Value, row.Previous)
		v.Series = append(v.Series, row)
	}
	ch.Lines = []chart.Series{{Paint: "#00338d", Values: cur, Tips: tips}}
	if compare {
		ch.Lines = append(ch.Lines, chart.Series{Paint: "#6b7280", Dashed: true, Values: prev})
	}
	v.Chart = ch.SVG()
	v.ChartCaption = ch.Desc
}

// dashboardPanel lists the top values of a dimension.
func (s *section) dashboardPanel(aq query, site, dim string, rows []analytics.Row, visitors int64, lang i18n.Lang) panel {
	limit := aq.limitFor(dim)
	p := panel{
		Dimension: dim,
		Title:     i18n.T(lang, "analytics.dim."+dim),
		ValueHead: i18n.T(lang, "analytics.col."+dim),
		Export:    withQuery("/admin/analytics/export.csv", addValue(aq.values(site, ""), "dimension", dim)),
	}
	fig := secondFigure(dim)
	if fig != "" {
		p.SecondHead = i18n.T(lang, "analytics.metric."+fig)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	for _, r := range rows {
		row := panelRow{
			Label:    valueLabel(dim, r.Value, lang),
			Href:     s.dashboardURL(aq.withFilter(dim, r.Value), site),
			Visitors: formatCount(r.Visitors),
			Share:    "—",
		}
		row.Verbatim = row.Label == r.Value
		if fig != "" {
			row.Second = formatCount(rowFigure(r, fig))
		}
		if visitors > 0 {
			row.Share = strconv.FormatFloat(math.Round(100*float64(r.Visitors)/float64(visitors)), 'f', 0, 64) + "%"
		}
		p.Rows = append(p.Rows, row)
	}
	switch {
	case limit == panelMoreRows:
		p.Toggle, p.ToggleLabel = s.dashboardURL(aq.toggleMore(dim), site), i18n.T(lang, "analytics.fewer")
		p.Truncated = more
	case more:
		p.Toggle, p.ToggleLabel = s.dashboardURL(aq.toggleMore(dim), site), i18n.T(lang, "analytics.more", panelMoreRows)
	}
	return p
}

func addValue(v url.Values, key, value string) url.Values {
	v.Set(key, value)
	return v
}

// metricValue is a metric of totals as the chart plots it: counts, the
// bounce rate in percent, the visit duration in seconds.
func metricValue(metric string, t analytics.Totals) float64 {
	switch metric {
	case metricPageviews:
		return float64(t.Pageviews)
	case metricVisits:
		return float64(t.Visits)
	case metricBounce:
		return 100 * t.BounceRate
	case metricDuration:
		return t.VisitDuration.Seconds()
	}
	return float64(t.Visitors)
}

// formatMetric writes a metric's value (see metricValue) for the page.
func formatMetric(metric string, x float64, lang i18n.Lang) string {
	switch metric {
	case metricBounce:
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64) + "%"
	case metricDuration:
		return formatDuration(time.Duration(math.Round(x))*time.Second, lang)
	}
	return formatCount(int64(math.Round(x)))
}

// metricChange describes how a metric moved from prev to cur: the change
// in percent (in percentage points for the bounce rate) and its direction.
func metricChange(metric string, cur, prev analytics.Totals) (change, trend string) {
	a, b := metricValue(metric, prev), metricValue(metric, cur)
	var delta float64
	unit := "%"
	if metric == metricBounce {
		delta, unit = b-a, " pt"
	} else if a == 0 {
		return "—", "same"
	} else {
		delta = 100 * (b - a) / a
	}
	n := math.Round(delta)
	switch {
	case n > 0:
		return "+" + strconv.FormatFloat(n, 'f', 0, 64) + unit, "up"
	case n < 0:
		return "−" + strconv.FormatFloat(-n, 'f', 0, 64) + unit, "down"
	}
	return "0" + unit, "same"
}

// formatCount writes a count with thousands separators.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// formatDuration writes a visit duration in minutes and seconds.
func formatDuration(d time.Duration, lang i18n.Lang) string {
	s := int64(d.Round(time.Second) / time.Second)
	if lang == i18n.Japanese {
		if s < 60 {
			return fmt.Sprintf("%d秒", s)
		}
		return fmt.Sprintf("%d分%02d秒", s/60, s%60)
	}
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dm %02ds", s/60, s%60)
}

// realtime answers the dashboard script's refresh of the
// realtime figure.
func (s *section) realtime(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	site, ok := s.site(r.URL.Query().Get("site"))
	if s.reader == nil || !ok {
		admin.WriteJSONError(w, http.StatusNotFound, "no such site")
		return
	}
	n, err := s.reader.Realtime(r.Context(), site, s.c.Now())
	if err != nil {
		s.c.Logger().Error("analytics realtime visitors", "site", site, "err", err)
		admin.WriteJSONError(w, http.StatusInternalServerError, "internal error")
		return
	}
	admin.WriteJSON(w, http.StatusOK, map[string]any{"site": site, "visitors": n, "text": formatCount(n)})
}
