package admin

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/store/storetest"
)

// seedAnalytics stores generated traffic of the test site for the 40 days
// up to the harness's clock, rolled up to an hour ago as the background
// work would have.
func seedAnalytics(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	now := h.clock.now()
	var batch []analytics.Event
	err := analytics.Generate(7, testSite, now.AddDate(0, 0, -40), now.Add(-time.Minute), 6000, func(e analytics.Event) error {
		batch = append(batch, e)
		if len(batch) == 500 {
			err := h.events.WriteEvents(ctx, batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil {
		err = h.events.WriteEvents(ctx, batch)
	}
	if err == nil {
		err = h.events.Rollup(ctx, now.Add(-time.Hour))
	}
	if err != nil {
		t.Fatal(err)
	}
}

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

// TestDashboardShowsStoredFigures fills the real analytics store with
// generated traffic and checks that the dashboard shows exactly what the
// store's Reader answers, for several periods and filters.
func TestDashboardShowsStoredFigures(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	seedAnalytics(t, h)
	b := h.signedIn(h.addUser("analyst@example.jp", account.Analyst))
	ctx := context.Background()
	now := h.clock.now()
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
			aq, err := parseAnalyticsQuery(values, now, testZone)
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
			resp := b.get("/admin/analytics?" + query)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d\n%s", resp.status, resp.body)
			}
			got := headlines(resp.body)
			for _, m := range analyticsMetrics() {
				label := translate("en", "analytics.metric."+m)
				wantValue := formatMetric(m, metricValue(m, want), "en")
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
				shown := shownRows(resp.body, dim)
				if len(shown) != len(rows) {
					t.Errorf("panel %s shows %d rows, the store has %d", dim, len(shown), len(rows))
					continue
				}
				for i, r := range rows {
					if want := [2]string{valueLabel(dim, r.Value, "en"), formatCount(r.Visitors)}; shown[i] != want {
						t.Errorf("panel %s row %d: %q, the store says %q", dim, i, shown[i], want)
					}
				}
			}
			rt, err := h.events.Realtime(ctx, testSite, now)
			if err != nil {
				t.Fatal(err)
			}
			if m := realtimeRE.FindStringSubmatch(resp.body); m == nil || m[1] != formatCount(rt) {
				t.Errorf("realtime figure %q, the store says %d", m, rt)
			}
		})
	}
}
