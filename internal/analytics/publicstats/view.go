package publicstats

import (
	"github.com/noren-web/noren/internal/analytics/enrich"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
)

// pageView is what templates/stats/stats.html reads: the figures of one
// period in one language, every number already written out.
type pageView struct {
	policy.Layout
	Ja          bool
	PeriodLabel string
	Periods     []policy.Link
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
	Buckets       []bucketView
	Breakdowns    []breakdownView
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

func pick(lang, ja, en string) string {
	if lang == "ja" {
		return ja
	}
	return en
}

func newPageView(m *manifest.Manifest, lang string, s *stats, loc *time.Location) *pageView {
	v := &pageView{
		Layout:      newLayout(m, lang, s.Period),
		Ja:          lang == "ja",
		PeriodLabel: periodLabel(lang, s.Period),
		K:           s.K,
		Fewer:       pick(lang, strconv.Itoa(s.K)+"未満", "fewer than "+strconv.Itoa(s.K)),
		Withheld:    pick(lang, "非公表", "withheld"),
		Noise:       s.Epsilon > 0,
		PrivacyHref: "/" + lang + "/privacy",
		Zone:        loc.String(),
	}
	first, last := s.From.In(loc), s.To.In(loc).AddDate(0, 0, -1)
	v.First, v.FirstISO = formatDate(lang, first), first.Format(time.DateOnly)
	v.Last, v.LastISO = formatDate(lang, last), last.Format(time.DateOnly)
	computed := s.Computed.In(loc)
	v.Computed = formatDate(lang, computed) + " " + computed.Format("15:04 MST")
	v.ComputedISO = computed.Format(time.RFC3339)
	if v.Noise {
		v.Epsilon = strconv.FormatFloat(s.Epsilon, 'g', -1, 64)
		v.Scale = strconv.FormatFloat(1/s.Epsilon, 'g', 3, 64)
	}
	for _, p := range periods {
		href := Path(lang)
		if p != periods[0] {
			href += "?period=" + string(p)
		}
		v.Periods = append(v.Periods, policy.Link{Href: href, Label: periodLabel(lang, p), Current: p == s.Period})
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
		{pick(lang, "訪問者数", "Visitors"), show(s.Totals.Visitors)},
		{pick(lang, "ページビュー数", "Pageviews"), show(s.Totals.Pageviews)},
		{pick(lang, "訪問数", "Visits"), show(s.Totals.Visits)},
	}
	if s.HasBounce {
		v.Bounce = strconv.Itoa(int(s.Bounce*100+0.5)) + "%"
	}

	v.BucketHeading = pick(lang, "日", "Day")
	if s.Interval == "month" {
		v.BucketHeading = pick(lang, "月", "Month")
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
func newLayout(m *manifest.Manifest, lang string, p period) policy.Layout {
	return policy.PageLayout(m, lang, pick(lang, "アクセス統計", "Site statistics"), func(lang string) string {
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
	if p == last12Months {
		return pick(lang, "過去12か月", "Last 12 months")
	}
	return pick(lang, "過去30日", "Last 30 days")
}

func formatDate(lang string, t time.Time) string {
	if lang == "ja" {
		return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
	}
	return t.Format("2 January 2006")
}

func bucketLabel(lang, interval string, t time.Time) string {
	if interval == "month" {
		if lang == "ja" {
			return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月"
		}
		return t.Format("January 2006")
	}
	if lang == "ja" {
		return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
	}
	return t.Format("2 Jan")
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
	switch dim {
	case "path":
		return pick(lang, "よく見られたページ", "Top pages"), pick(lang, "ページ", "Page")
	case "source":
		return pick(lang, "参照元", "Sources"), pick(lang, "参照元", "Source")
	case "device":
		return pick(lang, "端末の種類", "Devices"), pick(lang, "端末", "Device")
	case "browser":
		return pick(lang, "ブラウザー", "Browsers"), pick(lang, "ブラウザー", "Browser")
	case "language":
		return pick(lang, "言語", "Languages"), pick(lang, "言語", "Language")
	case "country":
		return pick(lang, "国・地域", "Countries and regions"), pick(lang, "国・地域", "Country or region")
	}
	return dim, dim
}

// valueLabel writes a dimension's value for readers of lang: names for
// the codes of devices, languages and countries, and words for the empty
// value.
func valueLabel(lang, dim, value string) string {
	switch dim {
	case "source":
		if value == "" {
			return pick(lang, "直接（参照元なし）", "Direct (none)")
		}
	case "device":
		switch value {
		case "desktop":
			return pick(lang, "パソコン", "Desktop")
		case "mobile":
			return pick(lang, "スマートフォン", "Mobile")
		case "tablet":
			return pick(lang, "タブレット", "Tablet")
		}
	case "language":
		if value != "" {
			return enrich.LanguageName(value, lang)
		}
	case "country":
		if value != "" {
			return enrich.CountryName(value, lang)
		}
	}
	if value == "" {
		return pick(lang, "不明", "Unknown")
	}
	return value
}
