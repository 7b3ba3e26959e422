package publicstats

import (
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/timefmt"
)

// pageView is what templates/stats/stats.html reads: the figures of one
// period in one language, every number already written out.
type pageView struct {
	page.Layout
	PeriodLabel string
	Periods     []page.Link
	// First and Last are the period's first and last days, written out
	// and as ISO dates.
	First, FirstISO string
	Last, LastISO   string
	Computed        string
	ComputedISO     string
	Zone            string
	K               int
	// Fewer is what a suppressed count shows: "fewer than k".
	Fewer string
	// Withheld is what a withheld count shows.
	Withheld    string
	HasWithheld bool
	Noise       bool
	Epsilon     string
	Scale       string
	PrivacyHref string

	Totals []figureView
	// Bounce is the bounce rate written out, "" when not published.
	Bounce        string
	Chart         chartView
	BucketHeading string
	// Monthly is set when a bucket is a month rather than a day.
	Monthly    bool
	Buckets    []bucketView
	Breakdowns []breakdownView
}

type figureView struct {
	Label, Value string
}

type bucketView struct {
	Label, ISO                  string
	Visitors, Pageviews, Visits string
}

type breakdownView struct {
	ID, Title, ValueHeading string
	Pageviews               bool
	Rows                    []rowView
}

type rowView struct {
	Label, Visitors, Pageviews string
}

// chartView is the server-drawn bar chart of visitors per bucket, in the
// coordinates of its viewBox.
type chartView struct {
	Width, Height, Base int
	Max                 string
	Bars                []barView
	FirstLabel          string
	LastLabel           string
	LastX               int
}

type barView struct {
	X, Y, W, H int
	// Hidden marks a bucket whose count is not published; it is drawn as
	// a stub on the baseline.
	Hidden bool
	Title  string
}

// Chart geometry, in viewBox units.
const (
	chartWidth  = 720
	chartHeight = 192
	chartBase   = 190 // the baseline; the labels are HTML under the chart
	chartTop    = 20
)

func newPageView(m *manifest.Manifest, lang string, s *stats, loc *time.Location) *pageView {
	l := i18n.Lang(lang)
	v := &pageView{
		Layout:      newLayout(m, lang, s.Period),
		PeriodLabel: periodLabel(lang, s.Period),
		K:           s.K,
		Fewer:       i18n.T(l, "stats.fewer", s.K),
		Withheld:    i18n.T(l, "stats.withheld"),
		Noise:       s.Epsilon > 0,
		PrivacyHref: "/" + lang + "/privacy",
	}
	first, last := s.From.In(loc), s.To.In(loc).AddDate(0, 0, -1)
	v.First, v.FirstISO = timefmt.LongDate(lang, first, loc), first.Format(time.DateOnly)
	v.Last, v.LastISO = timefmt.LongDate(lang, last, loc), last.Format(time.DateOnly)
	v.Computed = timefmt.Instant(lang, s.Computed, loc)
	v.ComputedISO = s.Computed.UTC().Format(time.RFC3339)
	v.Zone = timefmt.Zone(lang, loc, s.Computed)
	if v.Noise {
		v.Epsilon = strconv.FormatFloat(s.Epsilon, 'g', -1, 64)
		v.Scale = strconv.FormatFloat(1/s.Epsilon, 'g', 3, 64)
	}
	for _, p := range periods {
		href := Path(lang)
		if p != periods[0] {
			href += "?period=" + string(p)
		}
		v.Periods = append(v.Periods, page.Link{Href: href, Label: periodLabel(lang, p), Current: p == s.Period})
	}

	show := func(c count) string {
		switch c.state {
		case suppressed:
			return v.Fewer
		case withheld:
			v.HasWithheld = true
			return v.Withheld
		}
		return formatCount(c.published)
	}
	v.Totals = []figureView{
		{i18n.T(l, "stats.visitors"), show(s.Totals.Visitors)},
		{i18n.T(l, "stats.pageviews"), show(s.Totals.Pageviews)},
		{i18n.T(l, "stats.visits"), show(s.Totals.Visits)},
	}
	if s.HasBounce {
		v.Bounce = strconv.Itoa(int(s.Bounce*100+0.5)) + "%"
	}

	v.Monthly = s.Interval == "month"
	v.BucketHeading = i18n.T(l, "stats.day")
	if v.Monthly {
		v.BucketHeading = i18n.T(l, "stats.month")
	}
	for _, b := range s.Buckets {
		v.Buckets = append(v.Buckets, bucketView{
			Label:     bucketLabel(lang, s.Interval, b.Start.In(loc)),
			ISO:       bucketISO(s.Interval, b.Start.In(loc)),
			Visitors:  show(b.Visitors),
			Pageviews: show(b.Pageviews),
			Visits:    show(b.Visits),
		})
	}
	v.Chart = newChart(v.Buckets, s.Buckets)

	for _, bd := range s.Breakdowns {
		bv := breakdownView{ID: "top-" + bd.Dimension, Pageviews: bd.Pageviews}
		bv.Title, bv.ValueHeading = dimensionTitle(lang, bd.Dimension)
		for _, r := range bd.Rows {
			bv.Rows = append(bv.Rows, rowView{
				Label:     valueLabel(lang, bd.Dimension, r.Value),
				Visitors:  show(r.Visitors),
				Pageviews: show(r.Pageviews),
			})
		}
		v.Breakdowns = append(v.Breakdowns, bv)
	}
	return v
}

// newLayout is the layout of the statistics page in lang; its
// navigation leads to the policy pages, which tell how the figures were
// collected.
func newLayout(m *manifest.Manifest, lang string, p period) page.Layout {
	return page.New(m, lang, i18n.T(i18n.Lang(lang), "stats.title"), func(lang string) string {
		if p != periods[0] {
			return Path(lang) + "?period=" + string(p)
		}
		return Path(lang)
	})
}

func newChart(views []bucketView, buckets []bucket) chartView {
	c := chartView{Width: chartWidth, Height: chartHeight, Base: chartBase}
	if len(buckets) == 0 {
		return c
	}
	var top int64
	for _, b := range buckets {
		if b.Visitors.state == shown {
			top = max(top, b.Visitors.published)
		}
	}
	c.Max = formatCount(top)
	step := chartWidth / len(buckets)
	w := max(step*4/5, 1)
	for i, b := range buckets {
		bar := barView{X: i*step + (step-w)/2, W: w, Title: views[i].Label + ": " + views[i].Visitors}
		if b.Visitors.state == shown && top > 0 {
			bar.H = max(int(b.Visitors.published*(chartBase-chartTop)/top), 1)
		} else {
			bar.Hidden, bar.H = true, 2
		}
		bar.Y = chartBase - bar.H
		c.Bars = append(c.Bars, bar)
	}
	c.FirstLabel, c.LastLabel = views[0].Label, views[len(views)-1].Label
	c.LastX = (len(buckets)-1)*step + step/2
	return c
}

func periodLabel(lang string, p period) string {
	return i18n.T(i18n.Lang(lang), "stats.period."+string(p))
}

func bucketLabel(lang, interval string, t time.Time) string {
	key := "stats.bucket.day_layout"
	if interval == "month" {
		key = "stats.bucket.month_layout"
	}
	return t.Format(i18n.T(i18n.Lang(lang), key))
}

func bucketISO(interval string, t time.Time) string {
	if interval == "month" {
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

// formatCount writes n with thousands separators, as both languages do.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func dimensionTitle(lang, dim string) (title, heading string) {
	if !i18n.Default().Has("stats.dim." + dim) {
		return dim, dim
	}
	l := i18n.Lang(lang)
	return i18n.T(l, "stats.dim."+dim), i18n.T(l, "stats.col."+dim)
}

// valueLabel writes a dimension's value for readers of lang: names for
// the codes of devices, languages and countries, and words for the empty
// value.
func valueLabel(lang, dim, value string) string {
	l := i18n.Lang(lang)
	if value == "" {
		if dim == "source" {
			return i18n.T(l, "stats.direct")
		}
		return i18n.T(l, "stats.unknown")
	}
	var key string
	switch dim {
	case "device":
		key = "stats.device." + value
	case "language":
		key = "language." + value
	case "country":
		key = "country." + value
	}
	if key != "" && i18n.Default().Has(key) {
		return i18n.T(l, key)
	}
	return value
}
