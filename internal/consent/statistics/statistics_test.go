package statistics

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../admin/testdata/manifest.yaml"

// serve starts a console whose consent section reads the records of db.
func serve(t *testing.T, db *store.DB) (*admintest.Harness, *consent.Records) {
	t.Helper()
	records, err := consent.NewRecords(db)
	if err != nil {
		t.Fatal(err)
	}
	h := admintest.New(t, db, admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability {
			return []admin.Capability{New(Options{Records: records})}
		},
	})
	return h, records
}

// TestStatistics fills in choices of every kind and checks the page's
// figures and chart, the JSON API, and the audited CSV export.
func TestStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, records := serve(t, db)
		ctx := context.Background()
		day := h.Clock.Now().UTC().Truncate(24 * time.Hour)
		add := func(receipt string, at time.Time, kind string, gpc bool) {
			all := kind == consent.KindAcceptAll
			err := records.Add(ctx, consent.Record{
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

		analyst := h.AddUser("analyst@example.jp", account.Analyst)
		b := h.SignedIn(analyst)
		page := b.Get("/admin/consent")
		if page.Status != http.StatusOK {
			t.Fatalf("consent page: status %d", page.Status)
		}
		for _, want := range []string{`<svg class="chart"`, `role="img"`, "<td>1</td>", day.Format(time.DateOnly)} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		if resp := b.Get("/admin/consent?from=2026-13-01"); resp.Status != http.StatusBadRequest {
			t.Errorf("bad date: status %d, want 400", resp.Status)
		}

		before := len(h.Entries("consent.export"))
		resp := b.Post("/admin/consent/export", url.Values{"from": {day.AddDate(0, 0, -1).Format(time.DateOnly)}, "to": {day.Format(time.DateOnly)}})
		if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: status %d, %s", resp.Status, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Errorf("export has %d rows, want a header and 3 records:\n%s", len(rows), resp.Body)
		}
		if len(h.Entries("consent.export")) != before+1 {
			t.Error("the export is not in the audit trail")
		}

		secret, _, err := h.Accounts.CreateToken(ctx, analyst, "stats", account.Analyst, time.Time{}, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		api := h.Browser().Bearer("GET", "/admin/api/consent?from="+day.Format(time.DateOnly)+"&to="+day.Format(time.DateOnly), secret)
		if api.Status != http.StatusOK || !strings.Contains(api.Body, `"accept_all": 1`) || !strings.Contains(api.Body, `"gpc": 1`) {
			t.Errorf("API: status %d\n%s", api.Status, api.Body)
		}
	})
}

// TestWithoutRecords checks the section of a console that keeps no consent
// records: an empty page and API, and no export.
func TestWithoutRecords(t *testing.T) {
	h := admintest.New(t, storetest.SQLite(t), admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability { return []admin.Capability{New(Options{})} },
	})
	owner := h.AddUser("owner@example.jp", account.Owner)
	b := h.SignedIn(owner)
	secret, _, err := h.Accounts.CreateToken(t.Context(), owner, "stats", account.Owner, time.Time{}, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		do     func() admintest.Response
		status int
		want   string
	}{
		{"page", func() admintest.Response { return b.Get("/admin/consent") }, http.StatusOK, `<tbody>
</tbody>`},
		{"export", func() admintest.Response { return b.Post("/admin/consent/export", nil) }, http.StatusBadRequest, ""},
		{"API", func() admintest.Response { return h.Browser().Bearer("GET", "/admin/api/consent", secret) }, http.StatusOK, `"days": []`},
		{"API, bad range", func() admintest.Response {
			return h.Browser().Bearer("GET", "/admin/api/consent?from=2026-12-01&to=2026-11-01", secret)
		}, http.StatusBadRequest, "The end date is before the start date."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.do()
			if resp.Status != tt.status || !strings.Contains(resp.Body, tt.want) {
				t.Errorf("status %d, want %d with %q:\n%s", resp.Status, tt.status, tt.want, resp.Body)
			}
		})
	}
	if n := len(h.Entries("consent.export")); n != 0 {
		t.Errorf("%d exports recorded, want none", n)
	}
}
