package site

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// confinedSite lays out, in a temporary folder, a site folder whose
// symbolic links lead out of it in every way, and inside it, and returns
// the site folder's path. Outside files say SECRET.
func confinedSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	outside := filepath.Join(dir, "outside")
	for _, d := range []string{filepath.Join(site, "en"), filepath.Join(outside, "dir")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	css := "body { color: #333 }\n" + strings.Repeat("p { margin: 0 }\n", 100)
	secret := strings.Repeat("SECRET ", 200)
	files := map[string]string{
		"site/en/index.html":     `<html lang="en"><body><h1>Inside</h1><a href="/files/big.pdf">Report</a></body></html>`,
		"site/real.css":          css,
		"outside/secret.txt":     secret,
		"outside/secret.gz":      secret,
		"outside/404.html":       `<p>SECRET 404</p>`,
		"outside/big.pdf":        secret,
		"outside/dir/page.html":  `<p>SECRET page</p>`,
		"outside/dir/index.html": `<p>SECRET index</p>`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(site, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"passwd":         "/etc/passwd",
		"secret.txt":     "../outside/secret.txt",
		"abs-secret.txt": filepath.Join(outside, "secret.txt"),
		"outdir":         "../outside/dir",
		"abs-outdir":     filepath.Join(outside, "dir"),
		"sneaky.txt":     "en/../../outside/secret.txt",
		"404.html":       "../outside/404.html",
		"real.css.gz":    "../outside/secret.gz",
		"files/big.pdf":  "../../outside/big.pdf",
		"loop":           "loop",
		"abs-inside.css": filepath.Join(site, "real.css"),
		"alias.css":      "real.css",
		"docs":           "en",
		"en/up.css":      "../real.css",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(site, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	return site
}

// TestDirConfinesTheSite serves a site folder through DirFS and checks that
// no symbolic link serves a file from outside it, by any route the static
// server reads files by: the file itself, a folder's index, the 404 page,
// a precompressed sibling and the size of a linked PDF. Links that stay
// inside work, unless they are absolute.
func TestDirConfinesTheSite(t *testing.T) {
	srv := staticServer(t, DirFS(confinedSite(t)), testOptions())
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/passwd", http.StatusNotFound},
		{"/secret.txt", http.StatusNotFound},
		{"/abs-secret.txt", http.StatusNotFound},
		{"/sneaky.txt", http.StatusNotFound},
		{"/outdir/page.html", http.StatusNotFound},
		{"/outdir/page", http.StatusNotFound},
		{"/outdir/", http.StatusNotFound},
		{"/outdir", http.StatusNotFound},
		{"/abs-outdir/page.html", http.StatusNotFound},
		{"/files/big.pdf", http.StatusNotFound},
		{"/loop", http.StatusNotFound},
		// os.Root refuses absolute links, even to a file inside.
		{"/abs-inside.css", http.StatusNotFound},
		{"/alias.css", http.StatusOK},
		{"/en/up.css", http.StatusOK},
		{"/docs/", http.StatusOK},
		{"/real.css", http.StatusOK},
	} {
		for _, coding := range []string{"", "gzip"} {
			resp, body := fetch(t, srv, http.MethodGet, tt.path, "Accept-Encoding: "+coding)
			if resp.StatusCode != tt.status {
				t.Errorf("GET %s (Accept-Encoding %q): status %d, want %d", tt.path, coding, resp.StatusCode, tt.status)
			}
			if strings.Contains(body, "SECRET") || strings.Contains(body, "root:") {
				t.Errorf("GET %s (Accept-Encoding %q) served a file from outside the site: %.80q", tt.path, coding, body)
			}
		}
	}
	_, page := fetch(t, srv, http.MethodGet, "/en/")
	if strings.Contains(page, "noren-filesize") {
		t.Errorf("the page gives the size of a PDF outside the site:\n%s", page)
	}
}

// TestDirFollowsDeploys checks that a site deployed by pointing a symbolic
// link at a new release folder is served from the new folder.
func TestDirFollowsDeploys(t *testing.T) {
	dir := t.TempDir()
	for _, release := range []string{"r1", "r2"} {
		if err := os.MkdirAll(filepath.Join(dir, release, "en"), 0o755); err != nil {
			t.Fatal(err)
		}
		page := `<html lang="en"><body><h1>Release ` + release + `</h1></body></html>`
		if err := os.WriteFile(filepath.Join(dir, release, "en", "index.html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	current := filepath.Join(dir, "current")
	if err := os.Symlink("r1", current); err != nil {
		t.Fatal(err)
	}
	d := DirFS(current)
	d.every = 0 // check the path on every request
	srv := staticServer(t, d, testOptions())
	if _, body := fetch(t, srv, http.MethodGet, "/en/"); !strings.Contains(body, "Release r1") {
		t.Fatalf("first release not served:\n%s", body)
	}
	next := filepath.Join(dir, "next")
	if err := os.Symlink("r2", next); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, current); err != nil {
		t.Fatal(err)
	}
	if _, body := fetch(t, srv, http.MethodGet, "/en/"); !strings.Contains(body, "Release r2") {
		t.Errorf("second release not served:\n%s", body)
	}

	missing := DirFS(filepath.Join(dir, "none"))
	if _, err := missing.Open("en/index.html"); !os.IsNotExist(err) {
		t.Errorf("a folder that is not there: %v, want a file that does not exist", err)
	}
}
