package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeSiteWithoutLanguageFolders serves a small ordinary site, with
// index.html at its root and no /ja/ or /en/ folder, whose pages mark where
// Noren's footer goes and whose about page lends Noren's pages its layout.
func TestServeSiteWithoutLanguageFolders(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "public")
	files := map[string]string{
		"index.html": `<!DOCTYPE html><html lang="ja"><head><title>トップ</title><link rel="stylesheet" href="css/site.css"></head>` +
			`<body><header><a href="/">サイト名</a></header><main><h1>ようこそ</h1></main>` +
			`<footer><p>© 運営者</p><div data-noren-footer></div></footer></body></html>`,
		"about/index.html": `<!DOCTYPE html><html lang="ja"><head><title>概要</title><link rel="stylesheet" href="../css/site.css"></head>` +
			`<body><header class="site-header"><a href="../">サイト名</a></header><main class="content"><h1>概要</h1></main>` +
			`<footer class="site-footer"><p>© 運営者</p></footer></body></html>`,
		"css/site.css": `main{max-width:40rem}`,
	}
	for name, body := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifestPath := filepath.Join(dir, "manifest.yaml")
	m, err := os.ReadFile("../../web/demo/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifestPath, m, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startWith(t, []string{"NOREN_SITE_LAYOUT_PAGE=/about/", "NOREN_SITE_LAYOUT_MAIN=main.content"},
		"serve", "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"),
		"--manifest", manifestPath, "--site-root", root)

	for _, lang := range []string{"en-US,en", "ja"} {
		req, _ := http.NewRequest(http.MethodGet, p.url+"/", nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/ for %s: status %d, Location %q; want the root page", lang, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	_, body := get(t, nil, p.url+"/")
	mark, links, end := strings.Index(body, "<div data-noren-footer>"), strings.Index(body, `<nav class="noren-footer" lang="ja"`), strings.Index(body, "</div></footer>")
	if mark < 0 || links < mark || end < links || strings.Count(body, `class="noren-footer"`) != 1 {
		t.Errorf("the footer is not in the marked element:\n%s", body)
	}
	if strings.Contains(body, `hreflang="en"`) {
		t.Errorf("the footer links to an English page the site does not have:\n%s", body)
	}

	resp, body := get(t, nil, p.url+"/ja/privacy")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/ja/privacy: status %d", resp.StatusCode)
	}
	for _, want := range []string{`<header class="site-header"><a href="/">サイト名</a></header>`,
		`<main class="content"><div class="noren-page noren-embedded">`, `<link rel="stylesheet" href="/css/site.css">`,
		`<footer class="site-footer">`, "プライバシーポリシー"} {
		if !strings.Contains(body, want) {
			t.Errorf("/ja/privacy lacks %s:\n%s", want, body)
		}
	}

	resp, body = get(t, nil, p.url+"/no-such-page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `<a href="/">トップページへ</a>`) || strings.Contains(body, `href="/en/"`) {
		t.Errorf("404: status %d, want links to / only:\n%s", resp.StatusCode, body)
	}
}
