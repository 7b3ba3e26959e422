package admin

import (
	"github.com/noren-web/noren/internal/goldentest"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/consent"
	"golang.org/x/net/html"
)

// golden compares got with the file testdata/name, or rewrites the file
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", name), []byte(got))
}

// TestDashboardChartGolden draws the dashboard's chart for fixed figures:
// a day of hours, with the previous day dashed, in both languages.
func TestDashboardChartGolden(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, testZone)
	var cur, prev []analytics.Point
	for i := range 24 {
		n := int64(math.Round(40 + 35*math.Sin(float64(i-6)*math.Pi/12)))
		cur = append(cur, analytics.Point{Start: start.Add(time.Duration(i) * time.Hour), Totals: analytics.Totals{Visitors: n, BounceRate: 0.4}})
		prev = append(prev, analytics.Point{Start: start.Add(time.Duration(i-24) * time.Hour), Totals: analytics.Totals{Visitors: n / 2}})
	}
	aq := analyticsQuery{Period: periodYesterday, First: start, Last: start, Metric: metricVisitors}
	for _, lang := range []string{"en", "ja"} {
		var v analyticsView
		v.Range = start.Format(time.DateOnly)
		(&Console{}).dashboardChart(&v, aq, analyticsData{series: cur, prevSeries: prev}, true, lang)
		svg := string(v.Chart)
		if problems := svgProblems(svg); len(problems) > 0 {
			t.Errorf("%s: %v", lang, problems)
		}
		if n := strings.Count(svg, "<circle"); n != 24 {
			t.Errorf("%s: %d points, want 24", lang, n)
		}
		golden(t, "chart/dashboard-"+lang+".svg", svg+"\n")
	}
}

// TestConsentChartGolden draws the consent page's chart, which shares the
// drawing code, for fixed choices.
func TestConsentChartGolden(t *testing.T) {
	var days []consent.DayCount
	for i := range 10 {
		days = append(days, consent.DayCount{Day: time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), AcceptAll: 10 + i, RejectAll: 5, Custom: i % 3, GPC: i / 2})
	}
	svg := string(consentChart(days, "en"))
	if problems := svgProblems(svg); len(problems) > 0 {
		t.Error(problems)
	}
	golden(t, "chart/consent-en.svg", svg+"\n")
	if consentChart(nil, "en") != "" {
		t.Error("a chart without days is drawn")
	}
}

// svgProblems lists what a chart gets wrong of its text alternative: it
// must be one image named by its title and description.
func svgProblems(svg string) []string {
	doc, err := html.Parse(strings.NewReader(svg))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	var found bool
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "svg" {
			found = true
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if a["role"] != "img" {
				problems = append(problems, "the svg's role is "+a["role"])
			}
			for _, id := range strings.Fields(a["aria-labelledby"]) {
				if !strings.Contains(svg, `id="`+id+`">`) || strings.Contains(svg, `id="`+id+`"></`) {
					problems = append(problems, "aria-labelledby names "+id+", missing or empty")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !found {
		problems = append(problems, "no svg")
	}
	return problems
}

func TestNiceCeiling(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 4}, {3, 4}, {4, 4}, {5, 8}, {71, 80}, {81, 200}, {1499, 2000}, {39.5, 40}, {math.NaN(), 4}} {
		if got := niceCeiling(tt.in); got != tt.want {
			t.Errorf("niceCeiling(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
