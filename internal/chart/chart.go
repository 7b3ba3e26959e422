// Package chart draws time series as SVG on the server, so that a page
// shows them without any script: stacked bars and lines over the same
// slots. The SVG is one image to assistive technology (role="img" with a
// title and a description); pages show the same figures in a table.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Chart is a time series to draw.
type Chart struct {
	// ID prefixes the ids of the SVG's elements, unique on the page.
	ID    string
	Title string
	Desc  string
	// Labels names each slot; the x axis shows as many as fit.
	Labels []string
	// Defs holds fixed SVG definitions the series refer to, such as fill
	// patterns.
	Defs  string
	Bars  []Series // stacked, the first at the bottom
	Lines []Series
	// Format writes the y axis's figures; nil writes integers.
	Format func(float64) string
}

// Series is one series of a chart.
type Series struct {
	// Paint is a bar's fill or a line's stroke: a colour or url(#pattern).
	Paint  string
	Dashed bool
	// Values holds one figure per slot; NaN leaves the slot out of a line.
	Values []float64
	// Tips, when set, marks each point of a line with a circle whose title
	// (and data-tip, for a page's script) is the tip.
	Tips []string
}

// The chart's geometry, in SVG user units.
const (
	width  = 720.0
	height = 240.0
	left   = 48.0
	bottom = 24.0
	top    = 10.0
	// labelWidth is the room one x-axis label needs.
	labelWidth = 56.0
)

// SVG draws the chart, or nothing when it has no slot.
func (c Chart) SVG() template.HTML {
	slots := len(c.Labels)
	if slots == 0 {
		return ""
	}
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', -1, 64) }
	}
	peak := niceCeiling(c.peak())
	plotH := height - bottom - top
	step := (width - left) / float64(slots)
	y := func(v float64) float64 { return top + plotH - plotH*v/peak }
	mid := func(i int) float64 { return left + (float64(i)+0.5)*step }
	esc := template.HTMLEscapeString

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%[1]s-title %[1]s-desc" preserveAspectRatio="xMinYMin meet">`, c.ID, width, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%[1]s-desc">%[3]s</desc>`, c.ID, esc(c.Title), esc(c.Desc))
	if c.Defs != "" {
		b.WriteString("<defs>" + c.Defs + "</defs>")
	}
	// Grid lines at a quarter of the peak each, with their figures.
	for q := 0; q <= 4; q++ {
		v := peak * float64(q) / 4
		stroke := "#e1e6ee"
		if q == 0 {
			stroke = "#4d4d4d"
		}
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s"/>`, left, y(v), width, y(v), stroke)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#1a1a1a">%s</text>`, left-4, y(v)+4, esc(format(v)))
	}
	every := max(1, int(math.Ceil(labelWidth/step)))
	for i, label := range c.Labels {
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" text-anchor="middle" fill="#1a1a1a">%s</text>`, mid(i), height-8, esc(label))
		}
	}
	bar := step * 0.7
	for i := range slots {
		base := 0.0
		for _, s := range c.Bars {
			v := s.at(i)
			if v <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, mid(i)-bar/2, y(base+v), bar, y(base)-y(base+v), s.Paint)
			base += v
		}
	}
	for n, s := range c.Lines {
		var d strings.Builder
		pen := "M"
		for i := range slots {
			v := s.at(i)
			if math.IsNaN(v) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", pen, mid(i), y(v))
			pen = "L"
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, d.String(), s.Paint, dash)
		if s.Tips == nil {
			continue
		}
		fmt.Fprintf(&b, `<g class="chart-points" data-series="%d">`, n)
		for i := range slots {
			v := s.at(i)
			if math.IsNaN(v) || i >= len(s.Tips) {
				continue
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s" data-tip="%s"><title>%[4]s</title></circle>`, mid(i), y(v), s.Paint, esc(s.Tips[i]))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// at returns the series' figure in slot i, NaN when it has none.
func (s Series) at(i int) float64 {
	if i >= len(s.Values) {
		return math.NaN()
	}
	return s.Values[i]
}

// peak is the largest figure the chart shows: the tallest stack of bars or
// the highest point of a line.
func (c Chart) peak() float64 {
	peak := 0.0
	for i := range c.Labels {
		stack := 0.0
		for _, s := range c.Bars {
			if v := s.at(i); v > 0 {
				stack += v
			}
		}
		peak = max(peak, stack)
		for _, s := range c.Lines {
			if v := s.at(i); !math.IsNaN(v) {
				peak = max(peak, v)
			}
		}
	}
	return peak
}

// niceCeiling rounds v up to four times 1, 2 or 5 times a power of ten
// (at least 1), so that the axis's quarters are round figures.
func niceCeiling(v float64) float64 {
	quarter := v / 4
	if quarter <= 1 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 4
	}
	mag := math.Pow(10, math.Floor(math.Log10(quarter)))
	for _, m := range []float64{1, 2, 5} {
		if quarter <= m*mag {
			return 4 * m * mag
		}
	}
	return 40 * mag
}
