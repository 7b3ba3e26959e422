package publicstats

import (
	"context"
	"errors"
	"github.com/noren-web/noren/internal/goldentest"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

var jst = time.FixedZone("JST", 9*3600)

// clock is the tests' now: the last 30 complete days are 1 to 30 March
// 2026, and the last 12 complete months March 2025 to February 2026.
var clock = time.Date(2026, 3, 31, 12, 0, 0, 0, jst)

const testSite = "kosodate.example.jp"

// fakeReader answers from per-day totals and fixed breakdowns. It stands
// in for the analytics store, whose own tests check its figures; the
// store itself is used by TestFiguresMatchTheStore.
type fakeReader struct {
	mu    sync.Mutex
	days  map[string]analytics.Totals // by ISO date in jst
	rows  map[string][]analytics.Row
	calls int
	err   error
}

func day(d int) string { return time.Date(2026, 3, d, 0, 0, 0, 0, jst).Format(time.DateOnly) }

func (r *fakeReader) sum(from, to time.Time) analytics.Totals {
	var t analytics.Totals
	var bounces float64
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		x := r.days[d.In(jst).Format(time.DateOnly)]
		t.Visitors += x.Visitors
		t.Pageviews += x.Pageviews
		t.Visits += x.Visits
		bounces += x.BounceRate * float64(x.Visits)
	}
	if t.Visits > 0 {
		t.BounceRate = bounces / float64(t.Visits)
	}
	return t
}

func (r *fakeReader) Totals(ctx context.Context, f analytics.Filter) (analytics.Totals, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	return r.sum(f.From, f.To), r.err
}

func (r *fakeReader) Series(ctx context.Context, f analytics.Filter, interval string) ([]analytics.Point, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	if interval == "month" {
		next = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	}
	var points []analytics.Point
	for t := f.From; t.Before(f.To); t = next(t) {
		points = append(points, analytics.Point{Start: t, Totals: r.sum(t, next(t))})
	}
	return points, r.err
}

func (r *fakeReader) Top(ctx context.Context, f analytics.Filter, dimension string, limit int) ([]analytics.Row, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows := append([]analytics.Row(nil), r.rows[dimension]...)
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, r.err
}

func (r *fakeReader) Realtime(ctx context.Context, site string, now time.Time) (int64, error) {
	return 0, errors.New("the statistics page must not ask for realtime figures")
}

// busyDays gives every day of March 2026 v visitors, twice as many
// pageviews and 1.5 times as many visits, half of them bounces.
func busyDays(v int64) map[string]analytics.Totals {
	days := map[string]analytics.Totals{}
	for d := 1; d <= 31; d++ {
		days[day(d)] = analytics.Totals{Visitors: v, Pageviews: 2 * v, Visits: v * 3 / 2, BounceRate: 0.5}
	}
	return days
}

// sampleReader is the data of the golden pages: busy days but two quiet
// ones, and breakdowns with rows under k and past the cap.
func sampleReader() *fakeReader {
	days := busyDays(40)
	days[day(7)] = analytics.Totals{Visitors: 3, Pageviews: 5, Visits: 3}
	days[day(8)] = analytics.Totals{Visitors: 12, Pageviews: 30, Visits: 14, BounceRate: 0.25}
	days[day(15)] = analytics.Totals{}
	rows := map[string][]analytics.Row{
		"path": {
			{Value: "/ja/", Visitors: 700, Pageviews: 900},
			{Value: "/en/", Visitors: 300, Pageviews: 400},
			{Value: "/ja/kosodate/hoikuen/", Visitors: 120, Pageviews: 150},
			{Value: "/ja/contact/", Visitors: 4, Pageviews: 4},
		},
		"source": {
			{Value: "", Visitors: 600}, {Value: "Google", Visitors: 400}, {Value: "Yahoo! JAPAN", Visitors: 119}, {Value: "X", Visitors: 6},
		},
		"device": {{Value: "mobile", Visitors: 700}, {Value: "desktop", Visitors: 400}, {Value: "tablet", Visitors: 25}},
		"browser": {
			{Value: "Chrome", Visitors: 500}, {Value: "Safari", Visitors: 400}, {Value: "Edge", Visitors: 120},
			{Value: "Firefox", Visitors: 100}, {Value: "Samsung Internet", Visitors: 5},
		},
		"language": {{Value: "ja", Visitors: 900}, {Value: "en", Visitors: 200}, {Value: "vi", Visitors: 25}},
		"country":  {{Value: "JP", Visitors: 1000}, {Value: "VN", Visitors: 60}, {Value: "", Visitors: 58}, {Value: "NP", Visitors: 7}},
	}
	return &fakeReader{days: days, rows: rows}
}

// demoManifest returns the demo site's manifest with its statistics
// settings replaced.
func demoManifest(t testing.TB, st manifest.Statistics) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	m.Statistics = st
	return m
}

// harness is a Handler on a loopback server, with a manifest tests can
// swap as a reload would.
type harness struct {
	h      *Handler
	srv    *httptest.Server
	reader *fakeReader
	db     *store.DB
	m      atomic.Pointer[manifest.Manifest]
	now    atomic.Pointer[time.Time]
}

// testChrome is the chrome of the embedded templates.
func testChrome(t testing.TB) *page.Chrome {
	t.Helper()
	c, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newHarness serves the statistics of r on a database of its own.
func newHarness(t *testing.T, r *fakeReader, st manifest.Statistics, noise io.Reader) *harness {
	t.Helper()
	return newHarnessOn(t, storetest.SQLite(t), r, st, noise)
}

// newHarnessOn serves the statistics of r, keeping their noise in db.
func newHarnessOn(t *testing.T, db *store.DB, r *fakeReader, st manifest.Statistics, noise io.Reader) *harness {
	t.Helper()
	hs := &harness{reader: r, db: db}
	hs.m.Store(demoManifest(t, st))
	now := clock
	hs.now.Store(&now)
	h, err := New(Options{
		Reader: r, DB: db, Site: testSite, Location: jst,
		Manifest: hs.m.Load, Chrome: testChrome(t),
		Now:   func() time.Time { return *hs.now.Load() },
		Noise: noise,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	mux := http.NewServeMux()
	h.Register(mux)
	hs.srv = httptest.NewServer(mux)
	t.Cleanup(hs.srv.Close)
	return hs
}

func (hs *harness) setStatistics(t *testing.T, st manifest.Statistics) {
	hs.m.Store(demoManifest(t, st))
}

type response struct {
	status int
	header http.Header
	body   string
}

func (hs *harness) get(t *testing.T, path string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, hs.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := hs.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(body)}
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", "golden", name), got)
}
