package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// scanApp is an app with what openScans needs, logging into log.
func scanApp(t *testing.T, cfg *config.Config, log io.Writer) *app {
	t.Helper()
	m, err := manifest.Load(consoleManifest)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, manifest: m, db: storetest.SQLite(t), logger: slog.New(slog.NewTextHandler(log, nil))}
	a.current = manifest.NewCurrent(m, "", a.logger)
	a.trail = audit.New(a.db)
	return a
}

// TestScansOff checks a server that does not scan: the reason is said
// once in the log, at info, no job is scheduled, and the console says why.
func TestScansOff(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*config.Scan)
		off     string
		logWant string
	}{
		{"no browser", func(s *config.Scan) { s.Browser = filepath.Join(t.TempDir(), "no-chromium") }, "scanconsole.off_browser", "chromium package"},
		{"disabled", func(s *config.Scan) { s.Enabled = false }, "scanconsole.off_disabled", "scan.enabled is false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			tt.change(&cfg.Scan)
			var log bytes.Buffer
			a := scanApp(t, cfg, &log)
			s, err := openScans(t.Context(), cfg, a)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			if s.runner != nil || s.off != tt.off || s.job() != nil {
				t.Errorf("runner %v, off %q, job %v; want no runner, %q, no job", s.runner, s.off, s.job(), tt.off)
			}
			lines := strings.Count(log.String(), "scheduled scans are off")
			if lines != 1 || !strings.Contains(log.String(), "level=INFO") || !strings.Contains(log.String(), tt.logWant) {
				t.Errorf("the log says it %d times, want once at info naming %q:\n%s", lines, tt.logWant, log.String())
			}
			a.scans = s
			if p := a.scanConsole(); p == nil {
				t.Fatal("no console section")
			}
			if _, ok := a.scanVerified(t.Context(), a.current.Get()); ok {
				t.Error("verified without a scan")
			}
		})
	}
}

// TestScanCookieDBRefused checks that a cookie database that cannot be
// read stops start-up with the line at fault.
func TestScanCookieDBRefused(t *testing.T) {
	cfg := config.Default()
	cfg.Scan.CookieDB = filepath.Join(t.TempDir(), "cookies.csv")
	bad := "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
		"\"unterminated,Google Analytics\n"
	if err := os.WriteFile(cfg.Scan.CookieDB, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := openScans(t.Context(), cfg, scanApp(t, cfg, io.Discard))
	if err == nil || !strings.Contains(err.Error(), "scan.cookie_db") || !strings.Contains(err.Error(), "line") {
		t.Errorf("openScans: %v, want an error naming scan.cookie_db and the line", err)
	}
}

// TestScanLoopback checks the rules and the crawl's dialing that take the
// site's own host to the server's listener.
func TestScanLoopback(t *testing.T) {
	listen := &net.TCPAddr{IP: net.IPv4zero, Port: 8443}
	tests := []struct {
		name      string
		start     string
		tls       bool
		extra     string
		wantRules string
		loopback  bool
	}{
		{"http with a port", "http://demo.localhost:8080/", false, "", "MAP demo.localhost:8080 127.0.0.1:8443", true},
		{"https served here", "https://www.example.jp/", true, "", "MAP www.example.jp:443 127.0.0.1:8443", true},
		{"configured rules follow", "http://www.example.jp/", false, "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
			"MAP www.example.jp:80 127.0.0.1:8443, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", true},
		{"https behind a proxy", "https://www.example.jp/", false, "MAP * ~NOTFOUND", "MAP * ~NOTFOUND", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(tt.start)
			s := &siteScans{start: u, tls: tt.tls, cfg: config.Scan{HostResolverRules: tt.extra}}
			rules, client := s.loopback(listen)
			if rules != tt.wantRules || (client != nil) != tt.loopback {
				t.Errorf("rules %q, client %v; want %q, loopback %v", rules, client != nil, tt.wantRules, tt.loopback)
			}
		})
	}

	// The crawl's client reaches a server on loopback under the site's
	// name.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "host "+r.Host) })}
	go srv.Serve(ln)
	defer srv.Close()
	u, _ := url.Parse("http://www.example.jp/")
	s := &siteScans{start: u}
	_, client := s.loopback(ln.Addr().(*net.TCPAddr))
	resp, body := get(t, client, "http://www.example.jp/")
	if resp.StatusCode != http.StatusOK || body != "host www.example.jp" {
		t.Errorf("status %d, %q", resp.StatusCode, body)
	}
}

// TestSiteScanFromConsole serves the demo site with scans on, starts a
// scan with the console's button, and finds it in the console's history
// once done, with its completion on record; the cookie policy says "last
// verified" exactly when the scan was clean.
func TestSiteScanFromConsole(t *testing.T) {
	browser := browsertest.Path(t)
	site, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, base, done := runDemoApp(t, ctx, site, t.TempDir(), func(c *config.Config) {
		c.Scan.Browser = browser
		c.Scan.Pages, c.Scan.Depth = 3, 1
		c.Scan.HostResolverRules = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
	})
	if a.scans == nil || a.scans.runner == nil {
		t.Fatalf("scans are off: %+v", a.scans)
	}
	if a.scans.job() == nil {
		t.Fatal("no scheduled scan")
	}

	owner, err := a.accounts.Create(ctx, account.Profile{Email: "owner@example.jp", Role: account.Owner}, "correct horse battery staple", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sid, sess, err := a.accounts.StartSession(ctx, owner.ID, account.StageFull, time.Hour, "127.0.0.0/24", "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	console := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", "en")
		req.AddCookie(&http.Cookie{Name: admin.SessionCookie, Value: sid})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, _ := console("POST", "/admin/scans/run", url.Values{"csrf": {sess.CSRF}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/scans?notice=scan_started" {
		t.Fatalf("Scan now: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	deadline := time.Now().Add(2 * time.Minute)
	var runs []history.Run
	for {
		if runs, err = a.scans.store.List(ctx, 10, 0); err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scan did not complete within two minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	run := runs[0]
	t.Logf("the scan: %s, %d pages in %s, %d violations, %d warnings, %s", run.Status, run.Pages, run.Took(), run.Violations, run.Warnings, run.Error)
	if run.Status != history.StatusOK || run.StartedBy != history.ByConsole || run.Pages == 0 || run.ManifestHash != a.current.Get().Hash() {
		t.Fatalf("the run: %+v", run)
	}
	id := strconv.FormatInt(run.ID, 10)
	_, page := console("GET", "/admin/scans", nil)
	if !strings.Contains(page, `href="/admin/scans/`+id+`"`) || !strings.Contains(page, "<td>Console</td><td>"+strconv.Itoa(run.Pages)+"</td>") {
		t.Errorf("the history does not list the run:\n%s", page)
	}
	if resp, page := console("GET", "/admin/scans/"+id, nil); resp.StatusCode != http.StatusOK || !strings.Contains(page, "No choice made") {
		t.Errorf("the run's page: status %d", resp.StatusCode)
	}
	for _, action := range []string{"scan.start", "scan.complete"} {
		if entries, err := a.trail.List(ctx, audit.Filter{Action: action, Limit: 10}); err != nil || len(entries) != 1 {
			t.Errorf("%s: %d entries, %v; want 1", action, len(entries), err)
		}
	}
	_, cookies := get(t, nil, base+"/en/cookies")
	if has := strings.Contains(cookies, "Last verified on"); has != run.Clean {
		t.Errorf("the cookie policy says last verified: %v, the scan was clean: %v (%d violations)", has, run.Clean, run.Violations)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
