package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/noren-web/noren/internal/browsertest"
)

// dressedHeaderStyle is a style attribute the test gives the site header of
// the layout page, as older sites write their colours.
const dressedHeaderStyle = "border-top: 6px solid #4a7c3f"

// dressedCorpus copies the corpus of ordinary sites into a new folder and
// turns its about page, the layout page, into what an older municipal site
// serves: Shift_JIS, with a style attribute on its header.
func dressedCorpus(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "site")
	if err := os.CopyFS(root, os.DirFS(sitesRoot)); err != nil {
		t.Fatal(err)
	}
	about := filepath.Join(root, "about", "index.html")
	page, err := os.ReadFile(about)
	if err != nil {
		t.Fatal(err)
	}
	text := string(page)
	for old, repl := range map[string]string{
		`<meta charset="utf-8">`:       `<meta charset="Shift_JIS">`,
		`<header class="site-header">`: `<header class="site-header" style="` + dressedHeaderStyle + `">`,
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("the corpus's about page lacks %s", old)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(about, []byte(sjis), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDressedPagesBrowser serves the corpus with its about page as the
// layout of Noren's own pages and opens them in Chromium: they wear the
// site's header, navigation and footer read from a Shift_JIS page, the
// header's style attribute applies, the browser reports no
// Content-Security-Policy violation and no uncaught exception, and
// axe-core's WCAG 2.2 AA rules pass at a phone's width and a desktop's.
func TestDressedPagesBrowser(t *testing.T) {
	axe := browsertest.Axe(t)
	browser := browsertest.New(t)
	p := startWith(t, []string{"NOREN_SITE_LAYOUT_PAGE=/about/", "NOREN_SITE_LAYOUT_MAIN=main"},
		"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", sitesManifest,
		"--site-root", dressedCorpus(t))

	for _, vp := range a11yViewports {
		t.Run(vp.name, func(t *testing.T) {
			v := newSiteVisitor(t, browser, p.url)
			v.emulate(vp)
			for _, path := range []string{"/ja/privacy", "/en/cookies"} {
				v.open(path)
				v.check(path+" wears the site's header and navigation", `!!document.querySelector(
					'header.site-header nav#site-nav a[href="/about/"]') && document.querySelector('.site-title a').textContent === 'くすのき町 まちづくり推進課'`)
				v.check(path+" wears the site's footer", `!!document.querySelector('footer.site-footer a[href="/archive/2009/sjis.html"]')`)
				v.check(path+" has Noren's page in the site's main", `!!document.querySelector('main#main > .noren-page.noren-embedded .noren-embedded__main h1')`)
				v.check(path+" is in its own language", `document.documentElement.lang === '`+path[1:3]+`'`)
				v.check(path+": the header's style attribute applies", `getComputedStyle(document.querySelector('.site-header')).borderTopWidth === '6px'`)
				v.check(path+": the site's <style> applies", `getComputedStyle(document.querySelector('.site-header')).borderBottomStyle === 'solid'`)
				v.check(path+": no character was lost in decoding", `!document.documentElement.innerText.includes('\uFFFD')`)
				checkAccessibility(v.visitor, axe, path, vp)
				v.wantNoViolations(path)
			}
		})
	}
}
