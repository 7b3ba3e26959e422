package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// fillPlaceholders does what an operator does with a starter manifest:
// writes a value in place of every placeholder.
func fillPlaceholders(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(filled(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// placeholderChoices is a placeholder that lists the values to choose
// from, "REPLACE: a | b | c".
var placeholderChoices = regexp.MustCompile(regexp.QuoteMeta(manifest.PlaceholderPrefix) + ` ([a-z_]+)(?: \| [a-z_]+)+`)

// filled is a starter manifest with its placeholders written out: the
// first of a placeholder's choices, or else its own example.
func filled(doc string) string {
	doc = placeholderChoices.ReplaceAllString(doc, "$1")
	return strings.ReplaceAll(doc, manifest.PlaceholderPrefix+" ", "")
}

// TestInitWritesNeutralStarter checks that noren init writes a manifest
// with none of the demo's facts, which noren check refuses, naming every
// placeholder, until they are all written out.
func TestInitWritesNeutralStarter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	code, stdout, stderr := runNoren("init", dir)
	if code != 0 {
		t.Fatalf("init exited %d: %s", code, stderr)
	}
	for _, name := range []string{"noren.yaml", "manifest.yaml", "public/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("init did not write %s", name)
		}
	}
	manifestPath := filepath.Join(dir, "manifest.yaml")
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, demo := range []string{"みなとベイ", "Minato", "demo.localhost", "google", "Google", "youtube", "YouTube", "03-0000-1234"} {
		if strings.Contains(string(data), demo) {
			t.Errorf("the starter manifest holds the demo's %q", demo)
		}
	}
	if !strings.Contains(string(data), "effective: "+time.Now().Format(time.DateOnly)) {
		t.Error("the starter manifest does not take effect on the day it was written")
	}
	if !strings.Contains(stdout, "noren check "+manifestPath) || !strings.Contains(stdout, "noren serve --config "+filepath.Join(dir, "noren.yaml")) {
		t.Errorf("init does not print the next steps for its folder:\n%s", stdout)
	}

	code, stdout, _ = runNoren("check", manifestPath)
	if code == 0 {
		t.Fatal("check accepted the starter manifest with its placeholders")
	}
	for _, path := range []string{"site.name.ja", "site.name.en", "site.url", "site.domain", "operator.name.ja", "operator.name.en",
		"operator.regime", "operator.section.ja", "operator.email", "operator.address.ja", "operator.representative.en",
		"security.measures[3].ja", "copyright.statement.en"} {
		if !strings.Contains(stdout, ": "+path+": still a placeholder") {
			t.Errorf("check does not name the placeholder at %s:\n%s", path, stdout)
		}
	}

	// serve validates the manifest the same way, and stops before it
	// listens; should it start after all, the deadline stops it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut, getenv: []string{"NOREN_LISTEN=127.0.0.1:0"}}
	if code := run(ctx, env, []string{"serve", "--config", filepath.Join(dir, "noren.yaml")}); code == 0 ||
		!strings.Contains(errOut.String(), "operator.email: still a placeholder") {
		t.Errorf("serve did not refuse the placeholders: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	fillPlaceholders(t, manifestPath)
	if code, stdout, _ := runNoren("check", manifestPath); code != 0 {
		t.Errorf("the starter manifest with its placeholders written out does not validate:\n%s", stdout)
	}
}

// TestInitLeavesExistingFiles checks that init refuses to overwrite its
// own files without -force and never touches the site's folder.
func TestInitLeavesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "public", "index.html")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, []byte("the site's own page"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runNoren("init", dir)
	if code != 0 {
		t.Fatalf("init exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "kept "+filepath.Join(dir, "public")) {
		t.Errorf("init does not say it kept the site's folder:\n%s", stdout)
	}
	if code, _, stderr := runNoren("init", dir); code == 0 || !strings.Contains(stderr, "exists") {
		t.Errorf("init overwrote its files without -force: %d %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runNoren("init", "-force", dir); code != 0 {
		t.Fatalf("init -force exited %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "manifest.yaml")); string(data) == "edited" {
		t.Error("init -force did not rewrite manifest.yaml")
	}
	if data, _ := os.ReadFile(page); string(data) != "the site's own page" {
		t.Errorf("init changed the site's page: %q", data)
	}
}

// TestStarterManifestLanguages renders the starter for each language
// layout a site may have: written out, it validates with those languages.
func TestStarterManifestLanguages(t *testing.T) {
	for _, langs := range [][]string{{"ja", "en"}, {"en", "ja"}, {"ja"}, {"en"}} {
		t.Run(strings.Join(langs, ","), func(t *testing.T) {
			s := newStarter(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
			s.Languages = langs
			data, err := s.manifest()
			if err != nil {
				t.Fatal(err)
			}
			m, err := manifest.Parse("manifest.yaml", []byte(filled(string(data))))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.Languages, langs) || m.DefaultLang != langs[0] || m.Policy.Effective.String() != "2026-04-01" {
				t.Errorf("languages %v default %q effective %s", m.Languages, m.DefaultLang, m.Policy.Effective)
			}
		})
	}
}

// TestStarterPageIsNeutral checks that the page init puts in an empty
// site names no one.
func TestStarterPageIsNeutral(t *testing.T) {
	page := string(web.StarterPage)
	for _, want := range []string{`<html lang="ja">`, `lang="en"`, "<main>", "<title>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the starter page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "style") {
		t.Error("the starter page has inline code or styles")
	}
}

// TestInitFromExistingSite checks that init pointed at an existing site,
// as a folder or an upstream, serves it, declares the catalogue's services
// its pages reach and the languages they are in, and leaves a tool of
// placeholders for a host the catalogue does not know.
func TestInitFromExistingSite(t *testing.T) {
	pages := map[string]string{
		"index.html": `<!doctype html><html lang="en"><head><title>Home</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-ABCDEF1234');</script>
</head><body><a href="/ja/">日本語</a></body></html>`,
		"ja/index.html": `<!doctype html><html lang="ja-JP"><head><title>ホーム</title></head>
<body><iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe><a href="/">English</a></body></html>`,
	}
	withCounter := map[string]string{
		"index.html": `<!doctype html><html lang="ja"><body><img src="https://counter.example.net/c.gif" alt=""></body></html>`,
	}
	writeSite := func(t *testing.T, files map[string]string) string {
		root := filepath.Join(t.TempDir(), "oldsite")
		for name, body := range files {
			path := filepath.Join(root, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	tests := []struct {
		name      string
		files     map[string]string
		upstream  bool
		uses      []string
		languages string
		unknown   string
	}{
		{name: "folder", files: pages, uses: []string{"google-analytics", "youtube"}, languages: "languages: [en, ja]"},
		{name: "upstream", files: pages, upstream: true, uses: []string{"google-analytics", "youtube"}, languages: "languages: [en, ja]"},
		{name: "unknown host", files: withCounter, languages: "languages: [ja]", unknown: "counter.example.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeSite(t, tt.files)
			dir := filepath.Join(t.TempDir(), "mysite")
			args := []string{"init", "--site", root, dir}
			if tt.upstream {
				srv := httptest.NewServer(http.FileServer(http.Dir(root)))
				defer srv.Close()
				args = []string{"init", "--upstream", srv.URL + "/", dir}
			}
			code, stdout, stderr := runNoren(args...)
			if code != 0 {
				t.Fatalf("init exited %d: %s%s", code, stdout, stderr)
			}
			data, err := os.ReadFile(filepath.Join(dir, "manifest.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			manifestText := string(data)
			for _, id := range tt.uses {
				if !strings.Contains(manifestText, "\n  - use: "+id+"\n") {
					t.Errorf("the manifest does not use %s:\n%s", id, manifestText)
				}
			}
			if !strings.Contains(manifestText, "\n"+tt.languages+"\n") {
				t.Errorf("the manifest does not say %q", tt.languages)
			}
			if _, err := os.Stat(filepath.Join(dir, "public")); err == nil {
				t.Error("init wrote a stand-in page for a site that exists")
			}
			config, err := os.ReadFile(filepath.Join(dir, "noren.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			wantSite := "  mode: static\n  root: \"../../oldsite\"\n"
			if rel, err := filepath.Rel(dir, root); err == nil {
				wantSite = "  mode: static\n  root: \"" + filepath.ToSlash(rel) + "\"\n"
			}
			if tt.upstream {
				wantSite = "  mode: proxy\n"
			}
			if !strings.Contains(string(config), wantSite) {
				t.Errorf("noren.yaml does not serve the site with %q:\n%s", wantSite, config)
			}

			manifestPath := filepath.Join(dir, "manifest.yaml")
			fillPlaceholders(t, manifestPath)
			code, stdout, _ = runNoren("check", manifestPath)
			if tt.unknown != "" {
				if code == 0 || !strings.Contains(manifestText, "hosts: ["+tt.unknown+"]") || !strings.Contains(stdout, ".category: ") {
					t.Errorf("the tool for %s is not left for the operator to describe (exit %d):\n%s", tt.unknown, code, stdout)
				}
				return
			}
			if code != 0 {
				t.Fatalf("the manifest with its placeholders written out does not validate:\n%s", stdout)
			}
			if !tt.upstream {
				if code, stdout, _ := runNoren("check", "--config", filepath.Join(dir, "noren.yaml"), "--site", root); code != 0 {
					t.Errorf("check --site finds the site's pages undeclared:\n%s", stdout)
				}
			}
		})
	}
}

// TestStarterManifestRegimes checks that the starter offers every regime,
// and that written out with each, the check asks for exactly what that
// regime requires beyond the starter's placeholders.
func TestStarterManifestRegimes(t *testing.T) {
	data, err := newStarter(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)).manifest()
	if err != nil {
		t.Fatal(err)
	}
	offered := `regime: "` + manifest.PlaceholderPrefix + " " + strings.Join(manifest.Regimes, " | ") + `"`
	if !strings.Contains(string(data), offered) {
		t.Fatalf("the starter does not offer every regime as %s", offered)
	}
	public := []string{"requests.fee", "requests.identity", "requests.file_register"}
	tests := []struct {
		regime string
		want   []string // paths of the problems
	}{
		{manifest.RegimeBusiness, nil},
		{manifest.RegimeNationalOrgan, public},
		// Problems come in the order of their lines; the requests section
		// is not written, so its problems stand at the top.
		{manifest.RegimeLocalGovernment, append(slices.Clone(public), "operator.ordinance.name")},
		{manifest.RegimeIncorporatedAgency, public},
	}
	for _, tt := range tests {
		t.Run(tt.regime, func(t *testing.T) {
			doc := strings.Replace(string(data), offered, "regime: "+tt.regime, 1)
			_, err := manifest.Parse("manifest.yaml", []byte(filled(doc)))
			var got []string
			var ps manifest.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					got = append(got, p.Path)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems at %v, want %v\n%v", got, tt.want, err)
			}
		})
	}
}
