package drift

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/csp/reports"
)

// TestPageAfterForgedMonth fills every day of the page's 30 with as many
// rows as a day holds, all forged for one host on distinct paths, as a
// flood of forged reports can: the page still answers within a moment.
func TestPageAfterForgedMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 60,000 rows")
	}
	h := serve(t, true, func(s *reports.Store, now time.Time) {
		for d := range Days {
			day := now.AddDate(0, 0, -d).Add(-time.Minute)
			counts := map[reports.Key]*reports.Count{}
			for i := range reports.DayRows {
				counts[reports.Key{Host: "forged.example", Directive: "img-src", Path: fmt.Sprintf("/d%d/p%d", d, i)}] = &reports.Count{N: 1, First: day, Last: day}
			}
			if err := s.Write(t.Context(), counts, reports.Count{}, admintest.Zone); err != nil {
				t.Fatal(err)
			}
		}
	})
	owner := h.AddUser("owner@example.jp", account.Owner)
	start := time.Now()
	page := h.SignedIn(owner).Get(PagePath)
	took := time.Since(start)
	t.Logf("the page took %v", took)
	if page.Status != http.StatusOK {
		t.Fatalf("status %d", page.Status)
	}
	if took > 3*time.Second {
		t.Errorf("the page took %v over a month of forged rows", took)
	}
}

// TestPageEscapesForgedPath shows a forged report's page path written as
// markup: the page shows it as text.
func TestPageEscapesForgedPath(t *testing.T) {
	k, ok := reports.KeyOf(reports.Violation{DocumentURL: `https://www.example.jp/<script>alert(1)</script>"><img src=x onerror=alert(2)>`,
		BlockedURL: "https://tags.example/t.js", Directive: "script-src-elem"})
	if !ok {
		t.Fatal("the forged report has no key")
	}
	h := serve(t, true, func(s *reports.Store, now time.Time) {
		if err := s.Write(t.Context(), map[reports.Key]*reports.Count{k: {N: 1, First: now, Last: now}}, reports.Count{}, admintest.Zone); err != nil {
			t.Fatal(err)
		}
	})
	page := h.SignedIn(h.AddUser("owner@example.jp", account.Owner)).Get(PagePath)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "tags.example") {
		t.Fatalf("status %d, or the host is not listed", page.Status)
	}
	for _, bad := range []string{"<script>alert", "<img src=x"} {
		if strings.Contains(page.Body, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}
