package main

import (
	"bytes"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
)

// cspReportWait bounds the wait for a browser's report to reach the
// console. Over plain HTTP Chromium sends report-uri reports at once (about
// 50 ms here) and the server flushes its counts every cspFlushPeriod, so
// the wait is that period and a margin for a loaded machine. Reporting API
// deliveries (report-to, HTTPS only) are batched by Chromium for up to a
// minute, which is why this test, on plain HTTP, does not depend on them.
const cspReportWait = cspFlushPeriod + 25*time.Second

// TestCSPReportBrowser is the acceptance check of live drift detection: a
// page of a static site pulls a script from a host the manifest does not
// declare; Chromium, opening it with a marker in the query string, is
// kept from loading it and reports so; the console shows the host to an
// owner; and nothing that identifies the visitor, nor the marker, is in
// any file of the data folder.
func TestCSPReportBrowser(t *testing.T) {
	browser := browsertest.New(t)
	root := t.TempDir()
	writeFile := func(name, body string) {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"ja", "en"} {
		writeFile(lang+"/index.html", `<!doctype html><html lang="`+lang+`"><head><meta charset="utf-8"><title>Home</title></head><body><main><p>Home</p></main></body></html>`)
	}
	// The port is any: the policy blocks the script before any request.
	writeFile("en/drift.html", `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drift</title>`+
		`<script src="http://127.0.0.2:9/x.js"></script></head><body><main><p>A tag nobody declared.</p></main></body></html>`)

	dir := t.TempDir()
	p := start(t, "serve", "--listen", "127.0.0.1:0", "--data", dir, "--manifest", "../../web/demo/manifest.yaml", "--site-root", root)
	const owner = "csp-owner@example.jp"
	addStaff(t, dir, owner, "owner", "", "")

	marker := "m" + strings.ToLower(rand.Text())
	v := newVisitor(t, browser, p.url, visitorOptions{})
	v.load("open the page", "/en/drift.html", chromedp.Navigate(p.url+"/en/drift.html?marker="+marker+"#"+marker))
	userAgent := evaluate[string](v, "user agent", "navigator.userAgent")

	staff := signInToConsole(t, browser, p.url, owner)
	deadline := time.Now().Add(cspReportWait)
	var page string
	for {
		staff.open("/admin/csp")
		page = evaluate[string](staff, "the page", "document.querySelector('main').innerHTML")
		if strings.Contains(page, `<th scope="row">127.0.0.2</th>`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if !strings.Contains(page, `<th scope="row">127.0.0.2</th>`) {
		t.Fatalf("the console does not list 127.0.0.2 within %v:\n%s", cspReportWait, page)
	}
	for _, want := range []string{"<code>script-src-elem</code>", "/en/drift.html (1)", "Not declared"} {
		if !strings.Contains(page, want) {
			t.Errorf("the console's row lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, marker) {
		t.Error("the console shows the query string's marker")
	}

	// The server is stopped first, so that what it holds in memory and
	// SQLite's write-ahead log are in the files searched.
	stopProcess(t, p)
	never := []string{marker, "HeadlessChrome", userAgent, "127.0.0.1"}
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, s := range never {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", strings.TrimPrefix(path, dir), s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("the data folder is empty")
	}
	t.Logf("searched %d files of the data folder", files)
}

// stopProcess stops p as SIGTERM does and waits for it to end.
func stopProcess(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("noren ended with %v\n%s", err, p.Output())
		}
		// The cleanup start registered waits on done too.
		p.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatalf("noren did not stop within 30s\n%s", p.Output())
	}
}
