package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/noren-web/noren/internal/claims"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/web"
)

// demoPDF is the address of the demo's PDF.
const demoPDF = "/files/startup-support-guide-2026.pdf"

// apiAnswer is the part of /api/search's answer the tests read.
type apiAnswer struct {
	Total   int `json:"total"`
	Results []struct {
		URL  string `json:"url"`
		Type string `json:"type"`
	} `json:"results"`
}

// urls are the addresses of the answer's results, in order.
func (a apiAnswer) urls() []string {
	var out []string
	for _, r := range a.Results {
		out = append(out, r.URL)
	}
	return out
}

// searchAPI asks base's /api/search with the query parameters q.
func searchAPI(t *testing.T, base string, q url.Values) apiAnswer {
	t.Helper()
	resp, body := get(t, nil, base+"/api/search?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/search?%s: status %d\n%s", q.Encode(), resp.StatusCode, body)
	}
	var a apiAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("/api/search?%s: %v\n%s", q.Encode(), err, body)
	}
	return a
}

// waitFound waits until base's index finds something for q, as it does
// once the first run, which start-up does not wait for, has ended.
func waitFound(t *testing.T, base string, q url.Values) apiAnswer {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		a := searchAPI(t, base, q)
		if a.Total > 0 {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/search?%s found nothing within a minute", q.Encode())
		}
		// No faster than a network earns searches back, so that the
		// waiting leaves the test's own searches their burst.
		time.Sleep(500 * time.Millisecond)
	}
}

var resultLink = regexp.MustCompile(`<h3 class="search-result__title"><a href="([^"]+)"`)

// pageResults are the addresses the search page lists, in order.
func pageResults(t *testing.T, base, path string, q url.Values) []string {
	t.Helper()
	resp, body := get(t, nil, base+path+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s?%s: status %d", path, q.Encode(), resp.StatusCode)
	}
	var out []string
	for _, m := range resultLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDemoSearch runs the demo, which indexes its own pages and PDF at
// start: the search page and the API give the same results, a demo page
// for a Japanese query, the PDF for words only it holds, and the site's
// pages carry the search box in their header.
func TestDemoSearch(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--sample-events", "0")
	waitFound(t, p.url, url.Values{"q": {"guide"}})

	for _, tc := range []struct {
		path string
		q    url.Values
		want string
	}{
		{"/ja/search", url.Values{"q": {"創業"}, "lang": {"ja"}}, "/ja/"},
		{"/en/search", url.Values{"q": {"mentor office hours"}, "lang": {"en"}}, "/en/news/mentor-office-hours/"},
		{"/en/search", url.Values{"q": {"guide"}, "type": {"pdf"}}, demoPDF},
	} {
		api := searchAPI(t, p.url, tc.q).urls()
		page := pageResults(t, p.url, tc.path, tc.q)
		if len(api) == 0 || !slices.Equal(page, api) {
			t.Errorf("%s?%s: the page lists %v, the API %v", tc.path, tc.q.Encode(), page, api)
		}
		if !slices.ContainsFunc(api, func(u string) bool { return strings.HasPrefix(u, tc.want) }) {
			t.Errorf("%s?%s: %v, want a result under %s", tc.path, tc.q.Encode(), api, tc.want)
		}
	}
	if resp, _ := get(t, nil, p.url+demoPDF); resp.StatusCode != http.StatusOK {
		t.Errorf("the PDF a result links to answers %d", resp.StatusCode)
	}
	_, home := get(t, nil, p.url+"/ja/")
	if !strings.Contains(home, `<div class="masthead-search" data-noren-search-box><form class="noren-search-box" role="search" method="get" action="/ja/search"`) {
		t.Error("the demo's header has no search box")
	}
}

// TestSearchCountedWithConsent runs a manifest whose analytics wait for
// consent: a search is stored as the dashboard's search event, with its
// query and result count, only for the visitor who consented and sent no
// GPC signal, and not when another site's page made the browser ask.
func TestSearchCountedWithConsent(t *testing.T) {
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
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--manifest", path, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8")
	waitFound(t, p.url, url.Values{"q": {"guide"}})

	req, _ := http.NewRequest("POST", p.url+"/api/consent", strings.NewReader(`{"categories":{"analytics":true,"embeds":true,"advertising":true},"tools":{"noren-analytics":true,"google-analytics":true,"youtube":true},"method":"banner","lang":"en"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var consented string
	for _, c := range resp.Cookies() {
		if c.Name == "noren_consent" {
			consented = c.Value
		}
	}
	if consented == "" {
		t.Fatalf("consent API: status %d, no cookie", resp.StatusCode)
	}
	for i, tc := range []struct {
		query  string
		header []string
	}{
		{"guide without consent", nil},
		{"guide with consent", []string{"Cookie", "noren_consent=" + consented}},
		{"guide with consent and gpc", []string{"Cookie", "noren_consent=" + consented, "Sec-GPC", "1"}},
		{"zzqx with consent", []string{"Cookie", "noren_consent=" + consented}},
		{"guide from another site's image", []string{"Cookie", "noren_consent=" + consented, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"}},
	} {
		req, _ := http.NewRequest("GET", p.url+"/en/search?q="+url.QueryEscape(tc.query), nil)
		req.Header.Set("User-Agent", firefox)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		for j := 0; j+1 < len(tc.header); j += 2 {
			req.Header.Set(tc.header[j], tc.header[j+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tc.query, resp.StatusCode)
		}
	}
	stop(t, p, syscall.SIGTERM)
	got := storedSearches(t, dir)
	if len(got) != 2 || got["guide with consent"] < 1 || got["zzqx with consent"] != 0 {
		t.Errorf("stored searches (query → results) %v, want the two with consent, one finding nothing", got)
	}
	if strings.Contains(p.Output(), "zzqx") || strings.Contains(p.Output(), "guide with") {
		t.Error("a query is in the log")
	}
}

// storedSearches returns the search events stored in the demo's analytics
// database under dir, query → result count.
func storedSearches(t *testing.T, dir string) map[string]int {
	got := map[string]int{}
	eachStoredRow(t, dir, "SELECT search, results FROM analytics_events WHERE name = 'search'", func(rows *sql.Rows) error {
		var q string
		var n int
		err := rows.Scan(&q, &n)
		got[q] = n
		return err
	})
	return got
}

// TestProxySearchFindsUpstreamPages serves an upstream on loopback in proxy
// mode: its pages are found through its sitemap, and what robots.txt
// forbids is not.
func TestProxySearchFindsUpstreamPages(t *testing.T) {
	mux := http.NewServeMux()
	var upstream *httptest.Server
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private/\nSitemap: %s/sitemap.xml\n", upstream.URL)
	})
	mux.HandleFunc("GET /sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+
			`<url><loc>%[1]s/en/harbour/</loc></url><url><loc>%[1]s/ja/minato/</loc></url><url><loc>%[1]s/private/secret/</loc></url></urlset>`, upstream.URL)
	})
	page := func(lang, title, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="%s"><head><title>%s</title></head><body><header><nav><a href="/">Home</a></nav></header><main><h1>%s</h1><p>%s</p></main></body></html>`, lang, title, title, body)
		}
	}
	mux.HandleFunc("GET /{$}", page("en", "Upstream home", "Welcome."))
	mux.HandleFunc("GET /en/harbour/", page("en", "Harbour festival", "The quokkaberry harbour festival opens in May."))
	mux.HandleFunc("GET /ja/minato/", page("ja", "みなと祭り", "東京都の創業支援事業について、ワンストップ窓口で相談できます。"))
	mux.HandleFunc("GET /private/secret/", page("en", "Secret", "The quokkaberry vault."))
	upstream = httptest.NewServer(mux)
	t.Cleanup(upstream.Close)

	p := startWith(t, []string{"NOREN_SITE_DOMAIN=demo.localhost", "NOREN_SEARCH_CRAWL_DELAY=0s"},
		"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", "../../web/demo/manifest.yaml", "--upstream", upstream.URL+"/")
	found := waitFound(t, p.url, url.Values{"q": {"quokkaberry"}}).urls()
	if !slices.Equal(found, []string{"/en/harbour/"}) {
		t.Errorf("quokkaberry: %v, want the harbour page alone (robots.txt forbids /private/)", found)
	}
	if ja := waitFound(t, p.url, url.Values{"q": {"創業支援"}}).urls(); len(ja) == 0 || ja[0] != "/ja/minato/" {
		t.Errorf("創業支援: %v, want /ja/minato/ first", ja)
	}
}

// blockingFS is a site folder whose listing waits until release is
// closed: the indexer's walk waits, while the pages are served.
type blockingFS struct {
	fs.FS
	release chan struct{}
	once    sync.Once
	listing chan struct{} // closed when a listing first waits
}

func (b *blockingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	b.once.Do(func() { close(b.listing) })
	<-b.release
	return fs.ReadDir(b.FS, name)
}

// TestStartupDoesNotWaitForIndexing serves the demo site from a folder
// whose listing blocks: the server answers its pages and searches while
// the first indexing run waits, and the run ends once the folder lets it.
func TestStartupDoesNotWaitForIndexing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	demo, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		t.Fatal(err)
	}
	site := &blockingFS{FS: demo, release: make(chan struct{}), listing: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(site.release)
		}
	}()
	a, base, done := runDemoApp(t, ctx, site, t.TempDir(), nil)

	select {
	case <-site.listing:
	case <-time.After(30 * time.Second):
		t.Fatal("the first indexing run did not start")
	}
	for _, path := range []string{"/healthz", "/en/", "/en/search?q=guide"} {
		if resp, _ := get(t, nil, base+path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s while indexing: status %d", path, resp.StatusCode)
		}
	}
	if st := a.search.index.Status(); !st.Running || st.Documents != 0 {
		t.Errorf("while the folder blocks: running %t with %d documents, want a run under way and none", st.Running, st.Documents)
	}
	close(site.release)
	released = true
	waitFound(t, base, url.Values{"q": {"guide"}})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// runDemoApp runs the demo in this process with siteFS as its site and
// data as its data folder, as noren demo does, until ctx is done; it
// returns the app, the address it serves and the channel run's result
// arrives on. A non-nil configure changes the demo's settings before they
// are validated, for a test of a setting the demo leaves at its default.
func runDemoApp(t *testing.T, ctx context.Context, siteFS fs.FS, data string, configure func(*config.Config)) (*app, string, <-chan error) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = data
	cfg.Database = "sqlite:" + filepath.Join(cfg.DataDir, "noren.db")
	cfg.Site.Mode, cfg.Site.Domain = "static", demoDomain
	cfg.Contact.Notify = []string{"owner@" + demoDomain}
	cfg.Log.Level = slog.LevelError
	if configure != nil {
		configure(cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = ln.Addr().String()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := demoManifest(ln.Addr(), false)
	if err != nil {
		t.Fatal(err)
	}
	if claims.AccessLogItem(m) != nil {
		cfg.Log.AccessFile = filepath.Join(cfg.DataDir, "logs", "access.log")
	}
	a := &app{cfg: cfg, manifest: m, siteFS: siteFS, demo: true, listener: ln}
	ready := make(chan string, 1)
	env := &environment{stdout: io.Discard, stderr: io.Discard, ready: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, env) }()
	select {
	case addr := <-ready:
		return a, "http://" + addr, done
	case err := <-done:
		t.Fatalf("the demo stopped before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not start serving")
	}
	return nil, "", nil
}

// TestSearchRunsOneAtATime checks that indexing runs never overlap: the
// schedule skips its turn while a run is under way, and the console's
// button starts none then; the job's period follows the mode.
func TestSearchRunsOneAtATime(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	site := fstest.MapFS{"en/index.html": {Data: []byte(`<html lang="en"><title>Harbour</title><main>Harbour festival.</main></html>`)}}
	a := &app{cfg: cfg, siteFS: site, logger: slog.New(slog.DiscardHandler)}
	s, err := openSearch(t.Context(), cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()

	s.busy.Lock()
	if s.start() {
		t.Error("a run started while another was under way")
	}
	if err := s.scheduled(t.Context()); err != nil || s.index.Status().Documents != 0 {
		t.Errorf("the scheduled run while another was under way: %v, %d documents", err, s.index.Status().Documents)
	}
	s.busy.Unlock()
	if err := s.scheduled(t.Context()); err != nil || s.index.Status().Documents != 1 {
		t.Errorf("the scheduled run: %v, %d documents, want 1", err, s.index.Status().Documents)
	}
	if !s.start() {
		t.Error("the button started no run")
	}

	for _, tc := range []struct {
		proxy bool
		want  time.Duration
	}{{false, cfg.Search.Rescan}, {true, cfg.Search.Recrawl}} {
		if j := s.job(tc.proxy); j.Name != "search-index" || j.Period != tc.want || j.RunAtStart {
			t.Errorf("proxy %t: job %s every %s (at start %t), want search-index every %s, its first run once serving", tc.proxy, j.Name, j.Period, j.RunAtStart, tc.want)
		}
	}
}

// TestServeWhileIndexHeld starts a server while another process holds the
// search index, as a second server on the same data folder does: it
// serves, without search.
func TestServeWhileIndexHeld(t *testing.T) {
	data := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = data
	held, err := openSearchIndex(t.Context(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	demo, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, base, done := runDemoApp(t, ctx, demo, data, nil)
	if a.search != nil {
		t.Error("search is on with its index held elsewhere")
	}
	if resp, _ := get(t, nil, base+"/en/"); resp.StatusCode != http.StatusOK {
		t.Errorf("/en/: status %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
