package reports

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/store/storetest"
)

// TestOwnScanNotCounted checks that the reports of the server's own scan
// are answered but not counted, and that passing for the scan spares a
// request nothing of the rate limit.
func TestOwnScanNotCounted(t *testing.T) {
	s := newStore(t, storetest.SQLite(t))
	reg := prometheus.NewRegistry()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	own := func(req *http.Request) bool { return req.RemoteAddr == "127.0.0.1:40000" }
	r, err := New(Options{Store: s, Location: tokyo, RateLimit: 60, RateBurst: 2, Registerer: reg, Own: own,
		Hosts: func() []string { return []string{"www.example.jp"} }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{http.StatusNoContent, http.StatusNoContent, http.StatusTooManyRequests} {
		if rec := post(r, "POST", TypeCSPReport, chromiumReport, "127.0.0.1"); rec.Code != want {
			t.Errorf("scan's report %d: status %d, want %d", i, rec.Code, want)
		}
	}
	if rec := post(r, "POST", TypeCSPReport, chromiumReport, "203.0.113.5"); rec.Code != http.StatusNoContent {
		t.Errorf("a visitor's report: status %d", rec.Code)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Since(t.Context(), "2000-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Count != 1 {
		t.Errorf("rows %+v: want the visitor's report alone", rows)
	}
	if got := metricValue(t, reg, "noren_csp_reports_dropped_total", dropOwnScan); got != 2 {
		t.Errorf("dropped as the scan's: %v, want 2", got)
	}
}
