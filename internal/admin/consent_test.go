package admin

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestConsentStatistics fills in choices of every kind and checks the
// page's figures and chart, the JSON API, and the audited CSV export.
func TestConsentStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		day := h.clock.now().UTC().Truncate(24 * time.Hour)
		add := func(receipt string, at time.Time, kind string, gpc bool) {
			all := kind == consent.KindAcceptAll
			err := h.records.Add(ctx, consent.Record{
				Receipt: receipt, Given: at, PolicyHash: strings.Repeat("a", 64), Version: strings.Repeat("b", 12),
				Categories: map[string]bool{"analytics": all}, Tools: map[string]bool{"google-analytics": all},
				Method: consent.MethodBanner, GPC: gpc, Kind: kind, Lang: "en",
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		add("AAAAAAAAAAAAAAAAAAAAAA", day.Add(time.Hour), consent.KindAcceptAll, false)
		add("BBBBBBBBBBBBBBBBBBBBBB", day.Add(2*time.Hour), consent.KindRejectAll, true)
		add("CCCCCCCCCCCCCCCCCCCCCC", day.Add(-20*time.Hour), consent.KindCustom, false)

		analyst := h.addUser("analyst@example.jp", account.Analyst)
		b := h.signedIn(analyst)
		page := b.get("/admin/consent")
		if page.status != http.StatusOK {
			t.Fatalf("consent page: status %d", page.status)
		}
		for _, want := range []string{`<svg class="chart"`, `role="img"`, "<td>1</td>", day.Format(time.DateOnly)} {
			if !strings.Contains(page.body, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		if resp := b.get("/admin/consent?from=2026-13-01"); resp.status != http.StatusBadRequest {
			t.Errorf("bad date: status %d, want 400", resp.status)
		}

		before := len(h.entries("consent.export"))
		resp := b.post("/admin/consent/export", url.Values{"from": {day.AddDate(0, 0, -1).Format(time.DateOnly)}, "to": {day.Format(time.DateOnly)}})
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: status %d, %s", resp.status, resp.header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(resp.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Errorf("export has %d rows, want a header and 3 records:\n%s", len(rows), resp.body)
		}
		if len(h.entries("consent.export")) != before+1 {
			t.Error("the export is not in the audit trail")
		}

		secret, _, err := h.accounts.CreateToken(ctx, analyst, "stats", account.Analyst, time.Time{}, h.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		api := h.browser().bearer("GET", "/admin/api/consent?from="+day.Format(time.DateOnly)+"&to="+day.Format(time.DateOnly), secret)
		if api.status != http.StatusOK || !strings.Contains(api.body, `"accept_all": 1`) || !strings.Contains(api.body, `"gpc": 1`) {
			t.Errorf("API: status %d\n%s", api.status, api.body)
		}
	})
}
