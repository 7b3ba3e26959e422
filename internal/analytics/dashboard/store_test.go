package dashboard

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/i18n"
)

var (
	headlineRE = regexp.MustCompile(`<span class="headline__label">([^<]+)</span>\s*<span class="headline__value">([^<]+)</span>(?:\s*<span class="change[^"]*"><span aria-hidden="true">[^<]*</span> ([^<]+) <span class="visually-hidden">[^<]*</span>)?`)
	panelRowRE = regexp.MustCompile(`<tr><th scope="row"><a href="[^"]*"(?: translate="no")?>([^<]*)</a></th><td class="num">([^<]*)</td>`)
	realtimeRE = regexp.MustCompile(`data-realtime="[^"]*">([^<]*)<`)
)

// headlines reads the headline figures of a dashboard page: label →
// value and change.
func headlines(page string) map[string][2]string {
	out := map[string][2]string{}
	for _, m := range headlineRE.FindAllStringSubmatch(page, -1) {
		out[html.UnescapeString(m[1])] = [2]string{html.UnescapeString(m[2]), html.UnescapeString(m[3])}
	}
	return out
}

// shownRows reads the rows of one panel of a dashboard page: value label
// and visitors.
func shownRows(page, dim string) [][2]string {
	start := regexp.MustCompile(`<section class="panel" aria-labelledby="h-panel-` + regexp.QuoteMeta(dim) + `">`).FindStringIndex(page)
	if start == nil {
		return nil
	}
	rest := page[start[1]:]
	if end := regexp.MustCompile(`</section>`).FindStringIndex(rest); end != nil {
		rest = rest[:end[0]]
	}
	var out [][2]string
	for _, m := range panelRowRE.FindAllStringSubmatch(rest, -1) {
		out = append(out, [2]string{html.UnescapeString(m[1]), m[2]})
	}
	return out
}

// TestDashboardShowsStoredFigures fills each analytics store with
// generated traffic and checks that the dashboard shows exactly what the
// store's Reader answers, for several periods and filters.
func TestDashboardShowsStoredFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("an oracle over generated events, not a test of concurrency: run in full, without -short")
	}
	for _, backend := range backends {
		t.Run(backend.name, func(t *testing.T) {
			showsStoredFigures(t, storeHarness(t, backend.open(t)))
		})
	}
}

func showsStoredFigures(t *testing.T, h *harness) {
	b := h.SignedIn(h.AddUser("analyst@example.jp", account.Analyst))
	ctx := context.Background()
	now := h.Clock.Now()
	for _, query := range []string{
		"",
		"period=today",
		"period=7d&metric=bounce_rate",
		"period=custom&from=2026-11-01&to=2026-11-15",
		"period=30d&f=country:JP",
		"period=month&f=device:mobile&f=source:",
	} {
		t.Run(query, func(t *testing.T) {
			values, _ := url.ParseQuery(query)
			aq, err := parseQuery(values, now, testZone)
			if err != nil {
				t.Fatal(err)
			}
			cur, prev := aq.filters(testSite, now, testZone)
			want, err := h.events.Totals(ctx, cur)
			if err != nil {
				t.Fatal(err)
			}
			before, err := h.events.Totals(ctx, prev)
			if err != nil {
				t.Fatal(err)
			}
			if want.Visitors == 0 {
				t.Fatalf("no visitors in %+v: the test checks nothing", cur)
			}
			resp := b.Get("/admin/analytics?" + query)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", resp.Status, resp.Body)
			}
			got := headlines(resp.Body)
			for _, m := range metrics() {
				label := i18n.T(i18n.English, "analytics.metric."+m)
				wantValue := formatMetric(m, metricValue(m, want), i18n.English)
				wantChange, _ := metricChange(m, want, before)
				if got[label] != [2]string{wantValue, wantChange} {
					t.Errorf("%s: page shows %q, the store says %q, %q", label, got[label], wantValue, wantChange)
				}
			}
			for _, dim := range []string{"path", "source", "country", "search"} {
				rows, err := h.events.Top(ctx, cur, dim, panelRows)
				if err != nil {
					t.Fatal(err)
				}
				shown := shownRows(resp.Body, dim)
				if len(shown) != len(rows) {
					t.Errorf("panel %s shows %d rows, the store has %d", dim, len(shown), len(rows))
					continue
				}
				for i, r := range rows {
					if want := [2]string{valueLabel(dim, r.Value, i18n.English), formatCount(r.Visitors)}; shown[i] != want {
						t.Errorf("panel %s row %d: %q, the store says %q", dim, i, shown[i], want)
					}
				}
			}
			rt, err := h.events.Realtime(ctx, testSite, now)
			if err != nil {
				t.Fatal(err)
			}
			if m := realtimeRE.FindStringSubmatch(resp.Body); m == nil || m[1] != formatCount(rt) {
				t.Errorf("realtime figure %q, the store says %d", m, rt)
			}
		})
	}
}
