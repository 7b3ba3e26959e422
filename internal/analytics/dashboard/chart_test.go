package dashboard

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/i18n"
)

// TestChartGolden draws the dashboard's chart for fixed figures: a day of
// hours, with the previous day dashed, in both languages.
func TestChartGolden(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, testZone)
	var cur, prev []analytics.Point
	for i := range 24 {
		n := int64(math.Round(40 + 35*math.Sin(float64(i-6)*math.Pi/12)))
		cur = append(cur, analytics.Point{Start: start.Add(time.Duration(i) * time.Hour), Totals: analytics.Totals{Visitors: n, BounceRate: 0.4}})
		prev = append(prev, analytics.Point{Start: start.Add(time.Duration(i-24) * time.Hour), Totals: analytics.Totals{Visitors: n / 2}})
	}
	aq := query{Period: periodYesterday, First: start, Last: start, Metric: metricVisitors}
	for _, lang := range []i18n.Lang{i18n.English, i18n.Japanese} {
		var v view
		v.Range = start.Format(time.DateOnly)
		drawChart(&v, aq, figures{series: cur, prevSeries: prev}, true, lang)
		svg := string(v.Chart)
		if n := strings.Count(svg, "<circle"); n != 24 {
			t.Errorf("%s: %d points, want 24", lang, n)
		}
		goldentest.Check(t, filepath.Join("testdata", "chart", "dashboard-"+string(lang)+".svg"), []byte(svg+"\n"))
	}
}
