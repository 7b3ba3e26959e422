package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan"
)

// checkFixture is the folder of the site and manifest the check tests read.
var checkFixture = filepath.Join("testdata", "check")

// fixtureUndeclared are the hosts of testdata/check/site that its manifest
// does not declare and its noren.yaml's csp_extra does not admit.
var fixtureUndeclared = []string{"cdn.example.net", "fonts.googleapis.com", "fonts.gstatic.com", "www.google.com"}

func undeclaredHosts(a *siteAudit) []string {
	var hosts []string
	for _, u := range a.undeclared {
		hosts = append(hosts, u.host)
	}
	return hosts
}

func TestCheckSiteUndeclaredHosts(t *testing.T) {
	m, err := manifest.Load(filepath.Join(checkFixture, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string][]string{"img-src": {"https://img.example.org"}}
	r, err := scan.Folder(context.Background(), filepath.Join(checkFixture, "site"), scan.FolderOptions{Self: siteHosts(m)})
	if err != nil {
		t.Fatal(err)
	}
	a := auditSite(m, extra, r)
	if got := undeclaredHosts(a); !slices.Equal(got, fixtureUndeclared) {
		t.Errorf("undeclared hosts:\n got %v\nwant %v", got, fixtureUndeclared)
	}
	var blocked []string
	for _, b := range a.blocked {
		blocked = append(blocked, b.directive+" "+b.url)
	}
	wantBlocked := []string{
		"frame-src https://www.google.com/maps/embed?pb=!1m18",
		"script-src https://cdn.example.net/menu.js",
		"style-src https://fonts.googleapis.com/css2?family=Noto+Sans+JP",
	}
	if !slices.Equal(blocked, wantBlocked) {
		t.Errorf("blocked:\n got %v\nwant %v", blocked, wantBlocked)
	}
	if len(a.scriptURLs) != 1 || a.scriptURLs[0].page != "news/index.html" {
		t.Errorf("javascript: URLs = %+v, want the one of the Shift_JIS page", a.scriptURLs)
	}
	if len(a.snippets) != 0 {
		t.Errorf("snippets = %+v, want none: Google Analytics is declared", a.snippets)
	}

	// Without csp_extra, the image host is undeclared too.
	if got := undeclaredHosts(auditSite(m, nil, r)); !slices.Contains(got, "img.example.org") {
		t.Errorf("undeclared without csp_extra = %v, want img.example.org among them", got)
	}
}

func TestCheckSiteCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string
		unwanted []string
	}{
		{
			name: "config gives manifest and csp_extra",
			args: []string{"check", "--config", filepath.Join(checkFixture, "noren.yaml"), "--site", filepath.Join(checkFixture, "site")},
			code: 1,
			want: []string{
				"Third-party hosts the manifest does not declare (4):",
				"  www.google.com  (Embedded Google Maps)\n    index.html: <iframe src=\"https://www.google.com/maps/embed?pb=!1m18\">",
				"  - use: google-fonts\n", "  - use: google-maps\n",
				"  - id: cdn-example-net\n", "category: \"REPLACE: a cookie category id\"", "hosts: [cdn.example.net]",
				"style-src    https://fonts.googleapis.com/css2?family=Noto+Sans+JP  (index.html)",
				"a javascript: URL never runs",
			},
			unwanted: []string{"img.example.org", "  www.youtube.com", "use: youtube"},
		},
		{
			name: "manifest alone",
			args: []string{"check", "--site", filepath.Join(checkFixture, "site"), filepath.Join(checkFixture, "manifest.yaml")},
			code: 1,
			want: []string{"Third-party hosts the manifest does not declare (5):", "  img.example.org\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runNoren(tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, u := range tt.unwanted {
				if strings.Contains(out, u) {
					t.Errorf("output has %q:\n%s", u, out)
				}
			}
		})
	}
}

// TestCheckSiteSuggestionDeclares checks the advice by following it: the
// manifest with the entries the check suggests declares every host.
func TestCheckSiteSuggestionDeclares(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(checkFixture, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(data), "  - use: google-analytics\n",
		"  - use: google-analytics\n  - use: google-fonts\n  - use: google-maps\n  - use: twitter\n    id: cdn\n    hosts: [cdn.example.net]\n", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runNoren("check", "--site", filepath.Join(checkFixture, "site"), path)
	if code != 1 || !strings.Contains(out, "Third-party hosts the manifest does not declare (1):\n\n  img.example.org") {
		t.Errorf("exit %d, want 1 with only img.example.org left\n%s%s", code, out, errOut)
	}
}

func TestCheckUpstream(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(checkFixture, "site"))))
	defer srv.Close()
	code, out, errOut := runNoren("check", "--config", filepath.Join(checkFixture, "noren.yaml"), "--upstream", srv.URL+"/")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, ": 2 page(s) read") || !strings.Contains(out, "Third-party hosts the manifest does not declare (4):") {
		t.Errorf("output:\n%s", out)
	}
	for _, h := range fixtureUndeclared {
		if !strings.Contains(out, "\n  "+h) {
			t.Errorf("output lacks %s:\n%s", h, out)
		}
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--site", "a", "--upstream", "http://127.0.0.1/"},
		{"check", "a.yaml", "b.yaml"},
	} {
		if code, _, _ := runNoren(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	code, _, errOut := runNoren("check", "--site", filepath.Join(checkFixture, "missing"), filepath.Join(checkFixture, "manifest.yaml"))
	if code != 1 || !strings.Contains(errOut, "missing") {
		t.Errorf("missing folder: exit %d, stderr %q", code, errOut)
	}
}

// TestCheckSitesCorpus runs the check on the corpus of ordinary sites:
// with its manifest nothing is undeclared, and with none of its
// third-party tools the check lists exactly the hosts its pages load from.
func TestCheckSitesCorpus(t *testing.T) {
	corpus := filepath.Join("..", "..", "testdata", "sites")
	code, out, errOut := runNoren("check", "--config", filepath.Join(corpus, "noren.yaml"), "--site", filepath.Join(corpus, "hugo"))
	if code != 0 || !strings.Contains(out, "Every third-party host the pages reach is declared.") {
		t.Errorf("exit %d, want 0 with nothing undeclared\n%s%s", code, out, errOut)
	}

	m, err := manifest.Load(filepath.Join(corpus, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m.Tools = slices.DeleteFunc(m.Tools, func(t manifest.Tool) bool { return t.Party == "third" })
	r, err := scan.Folder(context.Background(), filepath.Join(corpus, "hugo"), scan.FolderOptions{Self: siteHosts(m)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"www.google.com", "www.googletagmanager.com", "www.youtube-nocookie.com", "www.youtube.com", "youtube.com"}
	if got := undeclaredHosts(auditSite(m, nil, r)); !slices.Equal(got, want) {
		t.Errorf("undeclared hosts:\n got %v\nwant %v", got, want)
	}
}
