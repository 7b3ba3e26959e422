package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/scan/verdict"
)

// scanManifest declares what the scan test site does, apart from what the
// tests expect the scan to find (see its comment).
const scanManifest = "testdata/scan/manifest.yaml"

// cookieDBPath is the Open Cookie Database's CSV where the repository's
// checkout sits beside the shared data folder; the tests that need it skip
// without it, as the project ships no copy.
const cookieDBPath = "../../../shared/data/open-cookie-database/open-cookie-database.csv"

// scanTestSite is a small site that is not Noren's: its own banner with
// "Accept all" and "Reject all", a cookie set by its responses, a script
// of its own that keeps a key in localStorage before any choice, and a
// widget loaded from a second loopback host (127.0.0.2) on every page,
// whatever the choice.
type scanTestSite struct {
	url    string // the site, on 127.0.0.1, ending in /
	widget string // the widget's script, on 127.0.0.2
}

// scanPageHTML is a page of the test site; %s is the widget's URL, the
// page's own extra markup follows the banner.
const scanPageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scan test</title>
<script src="/app.js"></script>
<script src="%s"></script>
</head><body>
<div id="banner"><p>We use cookies.</p>
<button type="button" id="accept">Accept all</button>
<button type="button" id="reject">Reject all</button></div>
<main><h1>Scan test</h1><p><a href="/">Home</a> <a href="/about/">About</a> <a href="/news/">News</a></p>%s</main>
</body></html>`

// scanAppJS is the site's own script: the banner, and the experiment's key.
const scanAppJS = `localStorage.setItem('ab_variant', 'b');
document.addEventListener('DOMContentLoaded', () => {
	const banner = document.getElementById('banner');
	if (document.cookie.includes('choice=')) { banner.hidden = true; return; }
	const choose = v => { document.cookie = 'choice=' + v + '; path=/; max-age=2592000'; banner.hidden = true; };
	document.getElementById('accept').addEventListener('click', () => choose('accept'));
	document.getElementById('reject').addEventListener('click', () => choose('reject'));
});`

// newScanTestSite serves the test site; extra maps further paths to the
// markup their page adds.
func newScanTestSite(t *testing.T, extra map[string]string) *scanTestSite {
	t.Helper()
	third := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte("window.widgetLoaded = true;"))
	}))
	s := &scanTestSite{widget: third + "/widget.js"}
	pages := map[string]string{"/": "", "/about/": "", "/news/": ""}
	for p, markup := range extra {
		pages[p] = markup
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(scanAppJS))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		markup, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// The cookie the manifest leaves out.
		http.SetCookie(w, &http.Cookie{Name: "tracker", Value: "t1", Path: "/", MaxAge: 86400})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, scanPageHTML, s.widget, markup)
	})
	s.url = serveOn(t, "127.0.0.1", mux) + "/"
	return s
}

// serveOn serves h on a free port of the loopback address ip and returns
// its base URL.
func serveOn(t *testing.T, ip string, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// loopbackRules keeps the scan's browser on the test servers: every other
// name resolves to nothing.
const loopbackRules = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2"

// scanRun is one run of noren scan.
type scanRun struct {
	code           int
	stdout, stderr string
}

// runScanCommand runs noren scan in-process with the test's browser and
// resolver rules before args.
func runScanCommand(t *testing.T, browser string, args ...string) scanRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut}
	all := append([]string{"scan", "--browser", browser, "--host-resolver-rules", loopbackRules}, args...)
	began := time.Now()
	code := run(ctx, env, all)
	t.Logf("noren %s: exit %d in %s\nstdout:\n%s\nstderr:\n%s", strings.Join(all, " "), code, time.Since(began).Round(time.Millisecond), out.String(), errOut.String())
	return scanRun{code: code, stdout: out.String(), stderr: errOut.String()}
}

// readScanJSON reads a JSON report.
func readScanJSON(t *testing.T, path string) *verdict.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r verdict.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("JSON report %s: %v", path, err)
	}
	return &r
}

// findingKey names a finding for comparison: its kind and subject.
func findingKey(f verdict.Finding) string {
	return fmt.Sprintf("%s %s %s", f.Kind, f.SubjectKind, f.Subject)
}

// copyManifest writes the test site's manifest into a temporary folder,
// with more appended, and returns its path.
func copyManifest(t *testing.T, more string) string {
	t.Helper()
	data, err := os.ReadFile(scanManifest)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, append(data, more...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
