package statistics

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/goldentest"
)

// TestChartGolden draws the page's chart for fixed choices.
func TestChartGolden(t *testing.T) {
	var days []consent.DayCount
	for i := range 10 {
		days = append(days, consent.DayCount{Day: time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), AcceptAll: 10 + i, RejectAll: 5, Custom: i % 3, GPC: i / 2})
	}
	svg := string(drawChart(days, "en"))
	goldentest.Check(t, filepath.Join("testdata", "chart", "consent-en.svg"), []byte(svg+"\n"))
	if drawChart(nil, "en") != "" {
		t.Error("a chart without days is drawn")
	}
}
