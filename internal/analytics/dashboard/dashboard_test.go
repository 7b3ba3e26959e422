package dashboard

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/i18n"
)

// fakeReader answers with fixed figures and records the filters it was
// asked about. The real store's figures are tested in package analytics;
// this one lets the handlers' tests choose rows, values and errors.
type fakeReader struct {
	totals   analytics.Totals
	rows     map[string][]analytics.Row
	realtime int64
	// err fails every query; prevErr only those of the previous period,
	// recognised by starting before prevBefore.
	err, prevErr error
	prevBefore   time.Time

	mu      sync.Mutex
	filters []analytics.Filter
}

func (f *fakeReader) fail(q analytics.Filter) error {
	f.mu.Lock()
	f.filters = append(f.filters, q)
	f.mu.Unlock()
	if f.prevErr != nil && q.From.Before(f.prevBefore) {
		return f.prevErr
	}
	return f.err
}

func (f *fakeReader) Totals(_ context.Context, q analytics.Filter) (analytics.Totals, error) {
	return f.totals, f.fail(q)
}

func (f *fakeReader) Series(_ context.Context, q analytics.Filter, interval string) ([]analytics.Point, error) {
	if err := f.fail(q); err != nil {
		return nil, err
	}
	var out []analytics.Point
	for t := q.From; t.Before(q.To); t = t.AddDate(0, 0, 1) {
		out = append(out, analytics.Point{Start: t, Totals: f.totals})
	}
	return out, nil
}

func (f *fakeReader) Top(_ context.Context, q analytics.Filter, dim string, limit int) ([]analytics.Row, error) {
	if !slices.Contains(analytics.Dimensions(), dim) {
		return nil, fmt.Errorf("%w %q", analytics.ErrUnknownDimension, dim)
	}
	if err := f.fail(q); err != nil {
		return nil, err
	}
	rows := f.rows[dim]
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, nil
}

func (f *fakeReader) Realtime(context.Context, string, time.Time) (int64, error) {
	return f.realtime, f.err
}

// asked returns the filters the reader was asked about.
func (f *fakeReader) asked() []analytics.Filter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters)
}

func TestParseAnalyticsPeriod(t *testing.T) {
	// 18:00 on 29 November 2026 in the site's zone.
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		query       string
		first, last string
		err         string // message key
	}{
		{"", "2026-10-31", "2026-11-29", ""},
		{"period=today", "2026-11-29", "2026-11-29", ""},
		{"period=yesterday", "2026-11-28", "2026-11-28", ""},
		{"period=7d", "2026-11-23", "2026-11-29", ""},
		{"period=30d", "2026-10-31", "2026-11-29", ""},
		{"period=month", "2026-11-01", "2026-11-30", ""},
		{"period=lastmonth", "2026-10-01", "2026-10-31", ""},
		{"period=12mo", "2025-12-01", "2026-11-30", ""},
		{"period=custom&from=2026-01-05&to=2026-01-05", "2026-01-05", "2026-01-05", ""},
		{"from=2026-01-05&to=2026-02-10", "2026-01-05", "2026-02-10", ""},
		{"period=custom&from=2024-01-01&to=2025-12-31", "2024-01-01", "2025-12-31", ""},
		{"period=custom&from=2024-01-01&to=2026-01-01", "", "", "analytics.err.too_long"},
		{"period=custom&from=2026-01-05", "", "", "analytics.err.dates_missing"},
		{"to=2026-01-05", "", "", "analytics.err.dates_missing"},
		{"period=custom&from=2026-02-30&to=2026-03-01", "", "", "analytics.err.date"},
		{"period=custom&from=2026-01-01&to=tomorrow", "", "", "analytics.err.date"},
		{"period=custom&from=1999-12-31&to=2000-01-01", "", "", "analytics.err.date"},
		{"period=custom&from=2026-03-01&to=2026-02-01", "", "", "analytics.err.order"},
		{"period=week", "", "", "analytics.err.period"},
		{"metric=revenue", "", "", "analytics.err.metric"},
		{"more=colour", "", "", "analytics.err.dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			aq, err := parseQuery(q, now, testZone)
			var qe *queryError
			switch {
			case tt.err != "":
				if !errors.As(err, &qe) || qe.key != tt.err || qe.status != http.StatusBadRequest {
					t.Fatalf("error %v, want %s (400)", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if got := aq.First.Format(time.DateOnly) + " " + aq.Last.Format(time.DateOnly); got != tt.first+" "+tt.last {
					t.Errorf("days %s, want %s %s", got, tt.first, tt.last)
				}
				if aq.First.Location() != testZone || aq.First.Hour() != 0 {
					t.Errorf("first day %v, want midnight in the site's zone", aq.First)
				}
				again, err := parseQuery(aq.values(testSite, testSite), now, testZone)
				if err != nil || !again.First.Equal(aq.First) || !again.Last.Equal(aq.Last) || again.Period != aq.Period {
					t.Errorf("the query's own link reads back as %+v (%v), want %+v", again, err, aq)
				}
			}
		})
	}
}

func TestAnalyticsPeriodFilters(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC) // 18:30 in the site's zone
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, testZone) }
	tests := []struct {
		period           string
		from, to         time.Time
		prevFrom, prevTo time.Time
		interval         string
	}{
		// A period under way ends now and compares with as much of the one before.
		{"today", day(29), now, day(28), day(28).Add(18*time.Hour + 30*time.Minute), "hour"},
		{"yesterday", day(28), day(29), day(27), day(28), "hour"},
		{"7d", day(23), now, day(16), day(16).AddDate(0, 0, 6).Add(18*time.Hour + 30*time.Minute), "day"},
		{"lastmonth", time.Date(2026, 10, 1, 0, 0, 0, 0, testZone), day(1), time.Date(2026, 8, 31, 0, 0, 0, 0, testZone), time.Date(2026, 10, 1, 0, 0, 0, 0, testZone), "day"},
		{"12mo", time.Date(2025, 12, 1, 0, 0, 0, 0, testZone), now, time.Date(2024, 12, 1, 0, 0, 0, 0, testZone), time.Date(2025, 11, 29, 18, 30, 0, 0, testZone), "month"},
	}
	for _, tt := range tests {
		aq, err := parseQuery(url.Values{"period": {tt.period}, "f": {"country:JP"}}, now, testZone)
		if err != nil {
			t.Fatal(err)
		}
		cur, prev := aq.filters(testSite, now, testZone)
		if !cur.From.Equal(tt.from) || !cur.To.Equal(tt.to) || !prev.From.Equal(tt.prevFrom) || !prev.To.Equal(tt.prevTo) {
			t.Errorf("%s: [%v, %v) after [%v, %v), want [%v, %v) after [%v, %v)", tt.period, cur.From, cur.To, prev.From, prev.To, tt.from, tt.to, tt.prevFrom, tt.prevTo)
		}
		if cur.Site != testSite || cur.Location != testZone || cur.Where["country"] != "JP" || prev.Where["country"] != "JP" {
			t.Errorf("%s: filter %+v", tt.period, cur)
		}
		if got := aq.interval(); got != tt.interval {
			t.Errorf("%s: interval %s, want %s", tt.period, got, tt.interval)
		}
	}
}

func TestParseAnalyticsFilters(t *testing.T) {
	tests := []struct {
		params []string
		want   []filter
		err    string
	}{
		{nil, nil, ""},
		{[]string{"country:JP"}, []filter{{"country", "JP"}}, ""},
		{[]string{"source:"}, []filter{{"source", ""}}, ""},
		{[]string{"path:/a:b?c"}, []filter{{"path", "/a:b?c"}}, ""},
		{[]string{"country:JP", "device:mobile", "country:US"}, []filter{{"country", "US"}, {"device", "mobile"}}, ""},
		{[]string{"search-zero:渋谷"}, []filter{{"search-zero", "渋谷"}}, ""},
		{[]string{"colour:red"}, nil, "analytics.err.dimension"},
		{[]string{"country"}, nil, "analytics.err.filter"},
		{[]string{":JP"}, nil, "analytics.err.dimension"},
		{[]string{"path:" + strings.Repeat("a", maxFilterValue+1)}, nil, "analytics.err.filter_long"},
	}
	for _, tt := range tests {
		got, err := parseFilters(tt.params)
		var qe *queryError
		if tt.err != "" {
			if !errors.As(err, &qe) || qe.key != tt.err {
				t.Errorf("%q: error %v, want %s", tt.params, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%q: %v (%v), want %v", tt.params, got, err, tt.want)
		}
	}
}

// TestDashboardAnswers checks the status and message of the dashboard
// for wrong requests and for each kind of Reader error, in both
// languages: never a 500 for what the request or retention explains.
func TestDashboardAnswers(t *testing.T) {
	expired := fmt.Errorf("%w (kept from 2026-11-01)", analytics.ErrRawExpired)
	tests := []struct {
		name   string
		reader *fakeReader
		query  string
		status int
		key    string // message the page shows
	}{
		{"fine", &fakeReader{}, "", http.StatusOK, "analytics.compared"},
		{"bad date", &fakeReader{}, "?period=custom&from=2026-13-01&to=2026-12-01", http.StatusBadRequest, "analytics.err.date"},
		{"reversed", &fakeReader{}, "?from=2026-11-02&to=2026-11-01", http.StatusBadRequest, "analytics.err.order"},
		{"over two years", &fakeReader{}, "?from=2020-01-01&to=2026-11-01", http.StatusBadRequest, "analytics.err.too_long"},
		{"unknown dimension", &fakeReader{}, "?f=colour:red", http.StatusBadRequest, "analytics.err.dimension"},
		{"filter without value", &fakeReader{}, "?f=country", http.StatusBadRequest, "analytics.err.filter"},
		{"unknown metric", &fakeReader{}, "?metric=revenue", http.StatusBadRequest, "analytics.err.metric"},
		{"raw events expired", &fakeReader{err: expired}, "?f=country:JP&f=device:mobile", http.StatusUnprocessableEntity, "analytics.err.raw_expired"},
		{"previous period expired", &fakeReader{prevErr: expired, prevBefore: time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)}, "", http.StatusOK, "analytics.no_comparison"},
		{"backend lacks a dimension", &fakeReader{err: fmt.Errorf("%w %q", analytics.ErrUnknownDimension, "screen")}, "", http.StatusBadRequest, "analytics.err.backend_dimension"},
		{"too slow", &fakeReader{err: fmt.Errorf("analytics: top path: %w", context.DeadlineExceeded)}, "?f=country:JP", http.StatusServiceUnavailable, "analytics.err.too_slow"},
		{"backend down", &fakeReader{err: errors.New("connection refused")}, "", http.StatusInternalServerError, "error.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := fakeHarness(t, tt.reader)
			analyst := h.AddUser("analyst@example.jp", account.Analyst)
			for _, lang := range []string{"en", "ja"} {
				if err := h.Accounts.SetLang(t.Context(), analyst.ID, lang); err != nil {
					t.Fatal(err)
				}
				resp := h.SignedIn(analyst).Get("/admin/analytics" + tt.query)
				if resp.Status != tt.status {
					t.Errorf("%s: status %d, want %d", lang, resp.Status, tt.status)
				}
				want := i18n.T(i18n.Lang(lang), tt.key)
				if i := strings.Index(want, "%"); i >= 0 {
					want = want[:i] // the start of a message with arguments
				}
				if !strings.Contains(htmlText(resp.Body), want) {
					t.Errorf("%s: the page does not say %q", lang, want)
				}
			}
		})
	}

	t.Run("unknown site", func(t *testing.T) {
		h := fakeHarness(t, &fakeReader{})
		b := h.SignedIn(h.AddUser("analyst@example.jp", account.Analyst))
		if got := b.Get("/admin/analytics?site=evil.example").Status; got != http.StatusNotFound {
			t.Errorf("status %d, want 404", got)
		}
		if got := b.Get("/admin/analytics?site=shop.example.jp").Status; got != http.StatusOK {
			t.Errorf("second site: status %d, want 200", got)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		h := fakeHarness(t, nil)
		b := h.SignedIn(h.AddUser("analyst@example.jp", account.Analyst))
		resp := b.Get("/admin/analytics")
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, i18n.T(i18n.English, "analytics.not_configured")) {
			t.Errorf("status %d, want 200 saying analytics is not configured", resp.Status)
		}
		for _, p := range []string{"/admin/analytics/export.csv", "/admin/analytics/realtime"} {
			if got := b.Get(p).Status; got != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", p, got)
			}
		}
	})
}

// htmlText is a page with its character references decoded, for finding
// messages in it.
func htmlText(page string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(page)
}

// TestDashboardEscapesValues feeds values a visitor could have sent and
// checks that they reach the page as text and the links as data, that
// filters reach the Reader, and that country names follow the language.
func TestDashboardEscapesValues(t *testing.T) {
	hostile := `"><script>alert(1)</script>`
	r := &fakeReader{
		totals: analytics.Totals{Visitors: 10, Pageviews: 20, Visits: 12, BounceRate: 0.5, VisitDuration: 75 * time.Second},
		rows: map[string][]analytics.Row{
			"path":    {{Value: "/a&b?c=<d>", Visitors: 4, Pageviews: 6}},
			"search":  {{Value: hostile, Visitors: 1, Events: 2}},
			"country": {{Value: "JP", Visitors: 8}, {Value: "ZZ", Visitors: 2}},
			"source":  {{Value: "", Visitors: 3}},
		},
		realtime: 3,
	}
	h := fakeHarness(t, r)
	analyst := h.AddUser("analyst@example.jp", account.Analyst)
	b := h.SignedIn(analyst)
	resp := b.Get("/admin/analytics?f=" + url.QueryEscape("search:"+hostile) + "&f=country:JP")
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	if strings.Contains(resp.Body, "<script>alert") {
		t.Error("a value reached the page as markup")
	}
	for _, want := range []string{
		`&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;`,           // the value as text
		`f=search%3A%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E`, // and in links, encoded
		`/a&amp;b?c=&lt;d&gt;`,
		">Japan<", ">ZZ<", ">Direct / none<",
		"1m 15s", "50%",
		`data-realtime="/admin/analytics/realtime?site=www.example.jp">3<`,
		"Search term is " + `&#34;&gt;&lt;script&gt;`,
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, f := range r.asked() {
		if f.Site != testSite || f.Where["search"] != hostile || f.Where["country"] != "JP" || len(f.Where) != 2 {
			t.Fatalf("the reader was asked %+v, want the page's two filters on %s", f, testSite)
		}
	}
	if err := h.Accounts.SetLang(t.Context(), analyst.ID, "ja"); err != nil {
		t.Fatal(err)
	}
	ja := h.SignedIn(analyst).Get("/admin/analytics")
	for _, want := range []string{">日本<", "1分15秒", "直接 / なし"} {
		if !strings.Contains(ja.Body, want) {
			t.Errorf("Japanese page lacks %s", want)
		}
	}
}

// TestDashboardFilterLinks follows the page's own links: a row adds its
// filter, a chip removes it, and "show more" unfolds a panel.
func TestDashboardFilterLinks(t *testing.T) {
	var paths []analytics.Row
	for i := range 15 {
		paths = append(paths, analytics.Row{Value: fmt.Sprintf("/page-%02d", i), Visitors: int64(100 - i)})
	}
	r := &fakeReader{totals: analytics.Totals{Visitors: 100}, rows: map[string][]analytics.Row{"path": paths, "country": {{Value: "JP", Visitors: 5}}}}
	h := fakeHarness(t, r)
	b := h.SignedIn(h.AddUser("analyst@example.jp", account.Analyst))

	page := b.Get("/admin/analytics?period=7d")
	if n := len(shownRows(page.Body, "path")); n != panelRows {
		t.Errorf("folded panel shows %d rows, want %d", n, panelRows)
	}
	more := linkTo(t, page.Body, i18n.T(i18n.English, "analytics.more", panelMoreRows))
	if !strings.Contains(more, "more=path") || !strings.Contains(more, "period=7d") {
		t.Errorf("show more links to %s", more)
	}
	unfolded := b.Get(more)
	if n := len(shownRows(unfolded.Body, "path")); n != len(paths) {
		t.Errorf("unfolded panel shows %d rows, want %d", n, len(paths))
	}
	if !strings.Contains(unfolded.Body, i18n.T(i18n.English, "analytics.fewer")) {
		t.Error("the unfolded panel offers no way back")
	}

	add := linkTo(t, page.Body, "Japan")
	filtered := b.Get(add)
	if filtered.Status != http.StatusOK || !strings.Contains(filtered.Body, "Country is Japan") {
		t.Fatalf("after following the row's link: status %d, no chip", filtered.Status)
	}
	remove := linkTo(t, filtered.Body, "Remove the filter Country is Japan")
	if strings.Contains(remove, "country") || !strings.Contains(remove, "period=7d") {
		t.Errorf("the chip removes its filter with %s", remove)
	}
}

// linkTo returns the address of the first link on page whose text
// contains text.
func linkTo(t *testing.T, page, text string) string {
	t.Helper()
	i := strings.Index(page, text)
	if i < 0 {
		t.Fatalf("no link with %q", text)
	}
	start := strings.LastIndex(page[:i], `<a href="`)
	if start < 0 {
		t.Fatalf("%q is not in a link", text)
	}
	href := page[start+len(`<a href="`):]
	return strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
}

// TestAnalyticsExport checks the CSV of a dimension and of the series,
// the defusing of values a spreadsheet would run, the file name, and the
// audit entry written for each export.
func TestAnalyticsExport(t *testing.T) {
	r := &fakeReader{
		totals: analytics.Totals{Visitors: 3, Pageviews: 4, Visits: 3, BounceRate: 0.25, VisitDuration: 90 * time.Second},
		rows: map[string][]analytics.Row{"search": {
			{Value: "=HYPERLINK(\"http://x\")", Visitors: 5, Events: 6},
			{Value: "+81 3", Visitors: 4}, {Value: "-1", Visitors: 3}, {Value: "@SUM(A1)", Visitors: 2},
			{Value: "\tcmd", Visitors: 1}, {Value: "plain, \"quoted\"", Visitors: 1},
		}},
	}
	h := fakeHarness(t, r)
	b := h.SignedIn(h.AddUser("analyst@example.jp", account.Analyst))

	resp := b.Get("/admin/analytics/export.csv?dimension=search&period=custom&from=2026-11-01&to=2026-11-07&f=country:JP")
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="noren-analytics-www.example.jp-search-20261101-20261107.csv"`; got != want {
		t.Errorf("Content-Disposition %s, want %s", got, want)
	}
	records, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"search", "visitors", "visits", "pageviews", "events"},
		{"'=HYPERLINK(\"http://x\")", "5", "0", "0", "6"},
		{"'+81 3", "4", "0", "0", "0"},
		{"'-1", "3", "0", "0", "0"},
		{"'@SUM(A1)", "2", "0", "0", "0"},
		{"'\tcmd", "1", "0", "0", "0"},
		{"plain, \"quoted\"", "1", "0", "0", "0"},
	}
	if !slices.EqualFunc(records, want, slices.Equal) {
		t.Errorf("CSV\n%q\nwant\n%q", records, want)
	}
	entries := h.Entries("analytics.export")
	if len(entries) != 1 {
		t.Fatalf("%d audit entries, want 1", len(entries))
	}
	e := entries[0]
	if e.Actor != "analyst@example.jp" || e.Object != "analytics:"+testSite || e.Detail["data"] != "search" ||
		e.Detail["from"] != "2026-11-01" || e.Detail["to"] != "2026-11-07" || e.Detail["filters"] != "country:JP" || e.Detail["rows"] != "6" {
		t.Errorf("audit entry %+v", e)
	}

	series := b.Get("/admin/analytics/export.csv?period=custom&from=2026-11-01&to=2026-11-03")
	records, err = csv.NewReader(strings.NewReader(series.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 || strings.Join(records[0], ",") != "start,visitors,pageviews,visits,bounce_rate,visit_duration_seconds" ||
		strings.Join(records[1], ",") != "2026-11-01T00:00:00+09:00,3,4,3,0.2500,90.0" {
		t.Errorf("series CSV:\n%s", series.Body)
	}
	if got := len(h.Entries("analytics.export")); got != 2 {
		t.Errorf("%d audit entries after the second export, want 2", got)
	}

	for _, bad := range []string{"?dimension=colour", "?from=2026-11-09&to=2026-11-01", "?f=colour:red"} {
		if got := b.Get("/admin/analytics/export.csv" + bad).Status; got != http.StatusBadRequest {
			t.Errorf("export%s: status %d, want 400", bad, got)
		}
	}
	if got := len(h.Entries("analytics.export")); got != 2 {
		t.Errorf("refused exports were audited: %d entries", got)
	}
}

func TestExportFilename(t *testing.T) {
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if got, want := exportFilename(`evil"; x=/../site`, "404", day, day), "noren-analytics-evil___x__.._site-404-20260102-20260102.csv"; got != want {
		t.Errorf("file name %q, want %q", got, want)
	}
}

// TestAnalyticsAPI calls the JSON API with tokens of the real store's
// figures: an analyst's token (or an owner's token delegated as analyst)
// reads them, a handler's is refused, and wrong requests get 4xx.
func TestAnalyticsAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token := func(u account.User, role account.Role) string {
		secret, _, err := h.Accounts.CreateToken(ctx, u, "stats", role, time.Time{}, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	owner := h.AddUser("owner@example.jp", account.Owner)
	analyst := token(h.AddUser("analyst@example.jp", account.Analyst), account.Analyst)
	delegated := token(owner, account.Analyst)
	handler := token(h.AddUser("handler@example.jp", account.Handler), account.Handler)
	api := "/admin/api/analytics/" + testSite

	now := h.Clock.Now()
	aq, err := parseQuery(url.Values{"period": {"7d"}, "f": {"device:mobile"}}, now, testZone)
	if err != nil {
		t.Fatal(err)
	}
	cur, prev := aq.filters(testSite, now, testZone)
	wantTotals, _ := h.events.Totals(ctx, cur)
	wantPrev, _ := h.events.Totals(ctx, prev)
	wantTop, _ := h.events.Top(ctx, cur, "path", 3)
	wantSeries, _ := h.events.Series(ctx, cur, "day")
	wantRealtime, _ := h.events.Realtime(ctx, testSite, now)

	for _, secret := range []string{analyst, delegated} {
		var totals struct {
			From, To         string
			Totals, Previous apiTotals
		}
		getJSON(t, h, api+"/totals?period=7d&f=device:mobile", secret, &totals)
		if totals.Totals != toAPITotals(wantTotals) || totals.Previous != toAPITotals(wantPrev) || totals.From != "2026-11-23" || totals.To != "2026-11-29" {
			t.Errorf("totals %+v, want %+v after %+v", totals, wantTotals, wantPrev)
		}
		var top struct {
			Rows []struct {
				Value               string
				Visitors, Pageviews int64
			}
		}
		getJSON(t, h, api+"/top/path?period=7d&f=device:mobile&limit=3", secret, &top)
		if len(top.Rows) != len(wantTop) || len(wantTop) == 0 {
			t.Fatalf("top: %d rows, want %d", len(top.Rows), len(wantTop))
		}
		for i, r := range wantTop {
			if top.Rows[i].Value != r.Value || top.Rows[i].Visitors != r.Visitors || top.Rows[i].Pageviews != r.Pageviews {
				t.Errorf("top row %d: %+v, want %+v", i, top.Rows[i], r)
			}
		}
		var series struct {
			Interval string
			Points   []struct {
				Start string
				apiTotals
			}
		}
		getJSON(t, h, api+"/series?period=7d&f=device:mobile&interval=day", secret, &series)
		if series.Interval != "day" || len(series.Points) != len(wantSeries) {
			t.Fatalf("series: %s, %d points, want day, %d", series.Interval, len(series.Points), len(wantSeries))
		}
		for i, p := range wantSeries {
			if series.Points[i].Start != p.Start.Format(time.RFC3339) || series.Points[i].apiTotals != toAPITotals(p.Totals) {
				t.Errorf("point %d: %+v, want %+v", i, series.Points[i], p)
			}
		}
		var realtime struct{ Visitors int64 }
		getJSON(t, h, api+"/realtime", secret, &realtime)
		if realtime.Visitors != wantRealtime {
			t.Errorf("realtime %d, want %d", realtime.Visitors, wantRealtime)
		}
	}

	tests := []struct {
		path   string
		secret string
		status int
	}{
		{api + "/totals", handler, http.StatusForbidden},
		{api + "/top/path", handler, http.StatusForbidden},
		{api + "/totals", "", http.StatusUnauthorized},
		{"/admin/api/analytics/evil.example/totals", analyst, http.StatusNotFound},
		{api + "/top/colour", analyst, http.StatusBadRequest},
		{api + "/top/path?limit=0", analyst, http.StatusBadRequest},
		{api + "/top/path?f=colour:red", analyst, http.StatusBadRequest},
		{api + "/totals?from=2026-13-01&to=2026-13-02", analyst, http.StatusBadRequest},
		{api + "/totals?from=2020-01-01&to=2026-01-01", analyst, http.StatusBadRequest},
		{api + "/series?interval=week", analyst, http.StatusBadRequest},
		{api + "/series?period=12mo&interval=hour", analyst, http.StatusBadRequest},
		{api + "/series?period=today&interval=hour", analyst, http.StatusOK},
	}
	for _, tt := range tests {
		resp := h.Browser().Bearer("GET", tt.path, tt.secret)
		if resp.Status != tt.status {
			t.Errorf("%s: status %d, want %d\n%s", tt.path, resp.Status, tt.status, resp.Body)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: answered %s, want JSON", tt.path, resp.Header.Get("Content-Type"))
		}
	}
}

func getJSON(t *testing.T, h *harness, path, secret string, v any) {
	t.Helper()
	resp := h.Browser().Bearer("GET", path, secret)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: status %d\n%s", path, resp.Status, resp.Body)
	}
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, resp.Body)
	}
}

// TestEveryDimensionHasAPanel fails when package analytics offers a
// dimension the dashboard does not show, or one without its texts.
func TestEveryDimensionHasAPanel(t *testing.T) {
	var shown []string
	for _, g := range panelGroups() {
		shown = append(shown, g.dims...)
		if !i18n.Default().Has("analytics.group." + g.id) {
			t.Errorf("group %s has no title", g.id)
		}
	}
	for _, d := range analytics.Dimensions() {
		if !slices.Contains(shown, d) {
			t.Errorf("dimension %s has no panel", d)
		}
		for _, key := range []string{"analytics.dim." + d, "analytics.col." + d} {
			if !i18n.Default().Has(key) {
				t.Errorf("no message %s", key)
			}
		}
	}
	for _, m := range metrics() {
		if !i18n.Default().Has("analytics.metric." + m) {
			t.Errorf("metric %s has no name", m)
		}
	}
}

// TestDashboardAccessible renders the dashboard in both languages for
// several periods, filters and errors, with real figures, and checks the
// basics admintest.PageProblems checks, plus the chart's text alternatives.
func TestDashboardAccessible(t *testing.T) {
	h := newHarness(t)
	owner := h.AddUser("owner@example.jp", account.Owner)
	for _, lang := range []string{"en", "ja"} {
		if err := h.Accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
			t.Fatal(err)
		}
		b := h.SignedIn(owner)
		for _, q := range []string{"", "?period=today", "?period=12mo&metric=visit_duration", "?f=country:JP&f=source:&more=path&more=country", "?site=shop.example.jp", "?from=2026-02-30&to=2026-03-01"} {
			resp := b.Get("/admin/analytics" + q)
			for _, problem := range admintest.PageProblems(resp.Body, lang) {
				t.Errorf("%s %s: %s", lang, q, problem)
			}
			if resp.Status == http.StatusOK && q != "?site=shop.example.jp" {
				for _, want := range []string{`role="img"`, `aria-labelledby="analytics-chart-title analytics-chart-desc"`, `<details class="chart-data">`, `<caption id="h-chart-data">`} {
					if !strings.Contains(resp.Body, want) {
						t.Errorf("%s %s: the chart lacks %s", lang, q, want)
					}
				}
			}
		}
	}
}

// TestDashboardAccess calls the dashboard's routes as every role: only
// the roles that read analytics are served, with a session on the pages
// and a token on the API.
func TestDashboardAccess(t *testing.T) {
	admintest.CheckAccess(t, fakeHarness(t, &fakeReader{}).Harness, nil)
}
