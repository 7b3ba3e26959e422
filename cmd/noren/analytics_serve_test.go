package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// firefox is an ordinary browser's user agent, counted as a visitor.
const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

// postEvent sends one Plausible-format pageview for path, as the client
// at addr (believed through X-Forwarded-For) with user agent ua, and
// returns the status.
func postEvent(client *http.Client, base, path, addr, ua string, header ...string) (int, error) {
	body := fmt.Sprintf(`{"name":"pageview","domain":"demo.localhost","url":"https://demo.localhost%s","referrer":"https://search.yahoo.co.jp/search?p=startup","screen_width":1280}`, path)
	req, err := http.NewRequest("POST", base+"/api/event", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set("X-Forwarded-For", addr)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// storedPaths returns the paths of the pageviews stored in the demo's
// analytics database under dir, which no process may be using.
func storedPaths(t *testing.T, dir string) map[string]int {
	paths := map[string]int{}
	eachStoredRow(t, dir, "SELECT path FROM analytics_events WHERE name = 'pageview'", func(rows *sql.Rows) error {
		var p string
		err := rows.Scan(&p)
		paths[p]++
		return err
	})
	return paths
}

// eachStoredRow runs query on the demo's analytics database under dir,
// which no process may be using, and calls scan on each row.
func eachStoredRow(t *testing.T, dir, query string, scan func(*sql.Rows) error) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, demoAnalyticsDSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// stop sends sig to p and waits for it to exit.
func stop(t *testing.T, p *process, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if sig == syscall.SIGTERM && err != nil {
			t.Errorf("exit after %v: %v", sig, err)
		}
		p.done <- err
	case <-time.After(40 * time.Second):
		t.Fatalf("no exit after %v", sig)
	}
}

// TestDemoLoadsTheTracker: the demo manifest declares Noren's analytics
// in the statistics category, which runs until the visitor refuses it:
// every page holds the tracker back for the consent script, which runs it
// while the visitor has not refused, and a page for a visitor who has not
// carries the no-JavaScript pixel.
func TestDemoLoadsTheTracker(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	_, page := get(t, nil, p.url+"/en/")
	for _, want := range []string{
		`<script type="text/plain" data-noren-category="statistics" data-noren-tool="noren-analytics" src="/noren/a.js" data-domain="demo.localhost" data-local nonce="`,
		`<noscript><img src="/api/event.gif?d=demo.localhost" alt="" width="1" height="1" referrerpolicy="same-origin"></noscript>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	resp, tracker := get(t, nil, p.url+"/noren/a.js")
	if resp.StatusCode != 200 || !strings.Contains(tracker, "/api/event") {
		t.Errorf("tracker: status %d", resp.StatusCode)
	}
}

// TestDemoPublishesStatistics: the demo manifest publishes statistics, so
// /{ja,en}/stats answer with the page that says how they are protected.
func TestDemoPublishesStatistics(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	for path, want := range map[string]string{
		"/en/stats": "<h1>Site statistics</h1>",
		"/ja/stats": "<h1>アクセス統計</h1>",
	} {
		resp, page := get(t, nil, p.url+path)
		if resp.StatusCode != 200 || !strings.Contains(page, want) || !strings.Contains(page, `id="stats-protection"`) {
			t.Errorf("%s: status %d, want 200 with %s and the protection section", path, resp.StatusCode, want)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "public") {
			t.Errorf("%s: Cache-Control %q, want public", path, cc)
		}
	}
}

// TestAnalyticsFollowsConsent runs a manifest that puts Noren's analytics
// in the analytics category, which waits for consent: the tracker waits,
// the pixel is left out, and events of visitors without consent are
// answered but not stored, while those of a visitor who accepted are.
func TestAnalyticsFollowsConsent(t *testing.T) {
	dir := t.TempDir()
	gated := strings.Replace(string(web.DemoManifest), "    kind: analytics\n    party: first\n    category: statistics\n",
		"    kind: analytics\n    party: first\n    category: analytics\n", 1)
	if gated == string(web.DemoManifest) {
		t.Fatal("the demo manifest no longer declares Noren's analytics as expected")
	}
	path := filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(path, []byte(gated), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--manifest", path, "--trusted-proxies", "127.0.0.0/8")
	_, page := get(t, nil, p.url+"/en/")
	if want := `<script type="text/plain" data-noren-category="analytics" data-noren-tool="noren-analytics" src="/noren/a.js" data-domain="demo.localhost" data-local nonce="`; !strings.Contains(page, want) {
		t.Errorf("the page lacks the held-back tracker %s", want)
	}
	if strings.Contains(page, "/api/event.gif") {
		t.Error("the pixel is on a page for a visitor who has not consented")
	}

	// Accept everything through the consent API, as the banner does.
	req, _ := http.NewRequest("POST", p.url+"/api/consent", strings.NewReader(`{"categories":{"analytics":true,"embeds":true,"advertising":true},"tools":{"noren-analytics":true,"google-analytics":true,"youtube":true},"method":"banner","lang":"en"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "noren_consent" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("consent API: status %d, no cookie", resp.StatusCode)
	}
	pageReq, _ := http.NewRequest("GET", p.url+"/en/", nil)
	pageReq.AddCookie(cookie)
	pageResp, err := http.DefaultClient.Do(pageReq)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(pageResp.Body)
	pageResp.Body.Close()
	if !strings.Contains(buf.String(), "/api/event.gif") {
		t.Error("the pixel is missing for a visitor who consented")
	}

	for _, tc := range []struct {
		path   string
		header []string
	}{
		{"/without-consent", nil},
		{"/with-consent", []string{"Cookie", "noren_consent=" + cookie.Value}},
		{"/with-consent-and-gpc", []string{"Cookie", "noren_consent=" + cookie.Value, "Sec-GPC", "1"}},
	} {
		status, err := postEvent(http.DefaultClient, p.url, tc.path, "203.0.113.9", firefox, tc.header...)
		if err != nil || status != http.StatusAccepted {
			t.Errorf("%s: status %d, %v; want 202", tc.path, status, err)
		}
	}
	stop(t, p, syscall.SIGTERM)
	got := storedPaths(t, dir)
	if got["/with-consent"] != 1 || got["/without-consent"] != 0 || got["/with-consent-and-gpc"] != 0 {
		t.Errorf("stored %v, want only /with-consent", got)
	}
}

// TestStatisticsSwitchedOffWithoutJavaScript switches the demo's
// statistics off as a browser without JavaScript does, by submitting the
// choices page's form: the pixel leaves the pages, and nothing the visitor
// sends afterwards, through the pixel or the event endpoint, is stored,
// while what a visitor sends before any choice is.
func TestStatisticsSwitchedOffWithoutJavaScript(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	pixel := func(path string) {
		t.Helper()
		req, _ := http.NewRequest("GET", p.url+"/api/event.gif?d=demo.localhost&u="+url.QueryEscape("https://demo.localhost"+path), nil)
		req.Header.Set("User-Agent", firefox)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("pixel for %s: status %d", path, resp.StatusCode)
		}
	}

	if _, page := get(t, client, p.url+"/en/"); !strings.Contains(page, "/api/event.gif") {
		t.Error("the page lacks the pixel before any choice")
	}
	pixel("/en/before-refusal")

	// Every box as the page shows it, but the statistics category.
	_, choices := get(t, client, p.url+"/en/privacy/choices")
	form := formAsShown(t, choices)
	if !slices.Contains(form["category"], "statistics") || !slices.Contains(form["tool"], "noren-analytics") {
		t.Fatalf("the choices page does not show statistics switched on before a choice: %v", form)
	}
	form["category"] = slices.DeleteFunc(form["category"], func(id string) bool { return id == "statistics" })
	form.Set("action", "save")
	resp, err := client.PostForm(p.url+"/en/privacy/choices", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("saved") == "" {
		t.Fatalf("saving the choices: status %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var cookie string
	for _, c := range jar.Cookies(resp.Request.URL) {
		if c.Name == "noren_consent" {
			cookie = c.Value
		}
	}
	if !strings.Contains(cookie, "statistics:0") || !strings.Contains(cookie, "noren-analytics:0") {
		t.Fatalf("the cookie %q does not switch statistics off", cookie)
	}

	if _, page := get(t, client, p.url+"/en/"); strings.Contains(page, "/api/event.gif") {
		t.Error("the page still carries the pixel after statistics were switched off")
	}
	pixel("/en/after-refusal")
	if status, err := postEvent(client, p.url, "/en/after-refusal-post", "203.0.113.9", firefox); err != nil || status != http.StatusAccepted {
		t.Errorf("event after the refusal: status %d, %v; want 202", status, err)
	}
	stop(t, p, syscall.SIGTERM)
	got := storedPaths(t, dir)
	if got["/en/before-refusal"] != 1 || got["/en/after-refusal"] != 0 || got["/en/after-refusal-post"] != 0 {
		t.Errorf("stored %v, want /en/before-refusal alone", got)
	}
}

// formAsShown reads the choices form of page as a browser would submit
// it untouched: its ticked boxes that can be changed and its hidden
// fields.
func formAsShown(t *testing.T, page string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "input" {
			continue
		}
		a := map[string]string{}
		for _, at := range n.Attr {
			a[at.Key] = at.Val
		}
		_, checked := a["checked"]
		_, disabled := a["disabled"]
		if a["type"] == "hidden" || a["type"] == "checkbox" && checked && !disabled {
			form.Add(a["name"], a["value"])
		}
	}
	return form
}

// TestSIGTERMUnderLoadLosesNothing stops the demo with SIGTERM while
// clients keep posting events: every event answered 202 is in the
// database afterwards, and nothing the server did not accept is.
func TestSIGTERMUnderLoadLosesNothing(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8")
	client := &http.Client{Timeout: 10 * time.Second}
	var (
		accepted sync.Map // path → true
		count    atomic.Int64
		wg       sync.WaitGroup
	)
	halt := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-halt:
					return
				default:
				}
				path := fmt.Sprintf("/load/%d/%d", w, i)
				status, err := postEvent(client, p.url, path, fmt.Sprintf("198.51.100.%d", i%250), firefox)
				if err != nil {
					return // the server has closed its listener
				}
				if status == http.StatusAccepted {
					accepted.Store(path, true)
					count.Add(1)
				}
			}
		})
	}
	// Stop once a good number of events are in flight, however fast the
	// machine is.
	for count.Load() < 2000 {
		time.Sleep(10 * time.Millisecond)
	}
	stop(t, p, syscall.SIGTERM)
	close(halt)
	wg.Wait()

	stored := storedPaths(t, dir)
	missing := 0
	accepted.Range(func(k, _ any) bool {
		if stored[k.(string)] != 1 {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Errorf("%d of %d accepted events are missing after SIGTERM", missing, count.Load())
	}
	for path, n := range stored {
		if _, ok := accepted.Load(path); !ok || n != 1 {
			t.Errorf("stored %s %d times; accepted: %v", path, n, ok)
		}
	}
	t.Logf("%d events accepted and stored", count.Load())
}

// TestKillKeepsWrittenEvents kills the demo outright (SIGKILL) while
// events arrive: every event the demo had written before the kill is
// still stored once afterwards, and nothing is stored that was not
// accepted. Only what the queue still held in memory, at most its flush
// interval's worth, may be lost.
func TestKillKeepsWrittenEvents(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8")
	accepted := map[string]bool{}
	send := func(prefix string, n int) []string {
		var paths []string
		for i := range n {
			path := fmt.Sprintf("/kill/%s/%d", prefix, i)
			status, err := postEvent(http.DefaultClient, p.url, path, "192.0.2.1", firefox)
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("status %d, %v", status, err)
			}
			accepted[path] = true
			paths = append(paths, path)
		}
		return paths
	}

	written := send("written", 100)
	waitStored(t, dir, written)
	// The demo is killed while the queue holds the next events.
	queued := send("queued", 100)
	stop(t, p, syscall.SIGKILL)

	stored := storedPaths(t, dir)
	for _, path := range written {
		if stored[path] != 1 {
			t.Errorf("%s, written before the kill, is stored %d times after it", path, stored[path])
		}
	}
	for path, n := range stored {
		if !accepted[path] || n != 1 {
			t.Errorf("stored %s %d times; accepted: %v", path, n, accepted[path])
		}
	}
	lost := 0
	for _, path := range queued {
		if stored[path] == 0 {
			lost++
		}
	}
	t.Logf("%d of %d queued events lost to SIGKILL", lost, len(queued))
}

// waitStored waits until every one of paths is in the demo's analytics
// database, which the queue writes to at its own pace.
func waitStored(t *testing.T, dir string, paths []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		stored := storedPaths(t, dir)
		missing := 0
		for _, path := range paths {
			if stored[path] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted events still not written", missing, len(paths))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNoAddressOrUserAgentOnDisk posts events from distinctive addresses
// and a distinctive user agent, stops the demo, and searches every file
// it wrote, and its log, for them.
func TestNoAddressOrUserAgentOnDisk(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8", "--log-level", "debug")
	const marker = "NorenProbe7731"
	ua := firefox + " " + marker
	var addrs []string
	for i := range 300 {
		addr := fmt.Sprintf("203.0.113.%d", 1+i%200)
		if i%3 == 0 {
			addr = fmt.Sprintf("2001:db8:77::%x", 0xa000+i)
		}
		addrs = append(addrs, addr)
		status, err := postEvent(http.DefaultClient, p.url, fmt.Sprintf("/probe/%d", i), addr, ua)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("status %d, %v", status, err)
		}
	}
	get(t, nil, p.url+"/en/")
	stop(t, p, syscall.SIGTERM)
	if n := len(storedPaths(t, dir)); n < 300 {
		t.Fatalf("%d events stored, want 300", n)
	}
	secrets := append([]string{marker, "Firefox/133.0", "rv:133.0"}, addrs...)
	check := func(name string, b []byte) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", name, s)
			}
		}
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		check(path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("the log", []byte(p.Output()))
}

// TestServeWithClickHouse runs noren serve with the ClickHouse backend:
// events posted before SIGTERM are in ClickHouse afterwards, and the
// dashboard's reader sees them.
func TestServeWithClickHouse(t *testing.T) {
	dsn := storetest.ClickHouse(t)
	dir := t.TempDir()
	p := startWith(t, []string{
		"NOREN_ANALYTICS_BACKEND=clickhouse",
		"NOREN_ANALYTICS_CLICKHOUSE_URL=" + dsn,
		"NOREN_SITE_DOMAIN=demo.localhost",
	}, "serve", "--listen", "127.0.0.1:0", "--data", dir, "--manifest", "../../web/demo/manifest.yaml",
		"--site-root", "../../web/demo/site", "--trusted-proxies", "127.0.0.0/8")
	for i := range 50 {
		status, err := postEvent(http.DefaultClient, p.url, fmt.Sprintf("/ch/%d", i), fmt.Sprintf("198.51.100.%d", i), firefox)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("status %d, %v", status, err)
		}
	}
	stop(t, p, syscall.SIGTERM)

	ctx := context.Background()
	s, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	totals, err := s.Totals(ctx, analytics.Filter{Site: "demo.localhost", From: now.Add(-time.Hour), To: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if totals.Pageviews != 50 || totals.Visitors != 50 {
		t.Errorf("ClickHouse holds %d pageviews of %d visitors, want 50 of 50", totals.Pageviews, totals.Visitors)
	}
	// No SQL database of events exists with that backend.
	if _, err := os.Stat(filepath.Join(dir, "noren-analytics.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("noren-analytics.db with the ClickHouse backend: %v", err)
	}
}

// TestAnalyticsSitesFromTheManifest checks that analytics counts the
// manifest's domain when noren.yaml names none, as a configuration
// written by noren init leaves it.
func TestAnalyticsSitesFromTheManifest(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		manifest string
		extra    []string
		want     []string
	}{
		{name: "config first", config: "www.example.jp", manifest: "other.example.jp", want: []string{"www.example.jp"}},
		{name: "manifest when the config has none", manifest: "www.example.jp", want: []string{"www.example.jp"}},
		{name: "extra sites follow", manifest: "www.example.jp", extra: []string{"shop.example.jp"}, want: []string{"www.example.jp", "shop.example.jp"}},
		{name: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Site.Domain = tt.config
			cfg.Analytics.Sites = tt.extra
			m := &manifest.Manifest{}
			m.Site.Domain = tt.manifest
			if got := analyticsSites(cfg, m); !slices.Equal(got, tt.want) {
				t.Errorf("analyticsSites = %q, want %q", got, tt.want)
			}
		})
	}
}
