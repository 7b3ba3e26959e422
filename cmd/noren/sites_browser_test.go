package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"

	"github.com/noren-web/noren/internal/browsertest"
)

// The fixture corpus of ordinary sites (testdata/sites/README.md).
const (
	sitesDir      = "../../testdata/sites"
	sitesRoot     = sitesDir + "/hugo"
	sitesManifest = sitesDir + "/manifest.yaml"
	// sitesIndexHeading is the heading of the corpus's root page.
	sitesIndexHeading = "<h1>くすのき町 まちづくり推進課</h1>"
	// sitesGtagRan is true once the inline configuration of Google's
	// standard gtag.js snippet has run.
	sitesGtagRan = `(window.dataLayer || []).some(a => a[0] === 'config' && a[1] === 'G-XXXXXXXXXX')`
	// sitesViolations lists what the page's own securitypolicyviolation
	// listener, installed before any of its scripts, has seen.
	sitesViolations = `window.__norenTestViolations || []`
)

// sitesViolationListener is evaluated in every document before its own
// scripts; DevTools runs it outside the page's Content-Security-Policy.
const sitesViolationListener = `window.__norenTestViolations = [];
addEventListener('securitypolicyviolation', e => window.__norenTestViolations.push(
	(e.disposition || '') + ' ' + e.effectiveDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')), true);`

// corpusPage is a page of the corpus and what it holds.
type corpusPage struct {
	path    string
	heading string // the text of its first heading as the browser decodes it
	// templated pages come from the site's templates: an inline script
	// marks <html> with the class js and writes the year into the footer,
	// and an inline <style> draws the header's border.
	templated bool
	frames    []string // the tool of each frame, in order, held back until consent
	gtag      bool     // carries Google's standard gtag.js snippet
	handlers  []string // buttons with an inline onclick handler that toggles aria-expanded
	charset   string   // the name the browser gives the page's charset (document.characterSet)
}

// corpusPages are the pages the browser test opens.
var corpusPages = []corpusPage{
	{path: "/", heading: "くすのき町 まちづくり推進課", templated: true},
	{path: "/news/", heading: "お知らせ", templated: true},
	{path: "/news/2026-04-open-day/", heading: "庁舎見学会を開催します", templated: true, gtag: true},
	{path: "/about/", heading: "課の紹介", templated: true},
	{path: "/access/", heading: "交通案内", templated: true, frames: []string{"youtube", "youtube", "youtube", "google-maps"}},
	{path: "/events/", heading: "春の催し", templated: true,
		handlers: []string{`button[aria-controls="detail-planting"]`, `button[aria-controls="detail-festival"]`}},
	{path: "/archive/2009/sjis.html", heading: "平成21年度　町民バスの運行について", charset: "Shift_JIS"},
	{path: "/archive/2009/eucjp.html", heading: "平成20年度　公園の愛称が決まりました", charset: "EUC-JP"},
}

// legacyPage is a page of the corpus in a Japanese charset other than UTF-8.
type legacyPage struct {
	path     string
	file     string
	encoding encoding.Encoding
	// names are the charset names a Content-Type may give it.
	names []string
}

var legacyPages = []legacyPage{
	{"/archive/2009/sjis.html", "archive/2009/sjis.html", japanese.ShiftJIS, []string{"shift_jis", "shift-jis", "sjis", "windows-31j", "cp932"}},
	{"/archive/2009/eucjp.html", "archive/2009/eucjp.html", japanese.EUCJP, []string{"euc-jp"}},
}

// upstreamCharsets are the charsets the corpus's upstream states in the
// Content-Type of a page; it states none for the others, as a server left
// with its defaults does, so that Noren must read the page's <meta>.
var upstreamCharsets = map[string]string{"/archive/2009/eucjp.html": "EUC-JP"}

// corpusUpstream serves the corpus as the upstream of proxy mode: an
// ordinary web server, its own 404 page included.
func corpusUpstream(root string) http.Handler {
	files := http.FileServer(http.Dir(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") {
			name = path.Join(name, "index.html")
		}
		if _, err := fs.Stat(os.DirFS(root), strings.TrimPrefix(name, "/")); errors.Is(err, fs.ErrNotExist) {
			body, err := os.ReadFile(filepath.Join(root, "404.html"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			w.Write(body)
			return
		}
		if strings.HasSuffix(name, ".html") {
			ct := "text/html"
			if cs := upstreamCharsets[r.URL.Path]; cs != "" {
				ct += "; charset=" + cs
			}
			w.Header().Set("Content-Type", ct)
		}
		files.ServeHTTP(w, r)
	})
}

// TestSitesBrowser puts Noren in front of the corpus of ordinary sites, as
// a static folder and as a proxied upstream, and drives every page in
// Chromium before and after "Accept all": the site's own inline scripts,
// styles and handlers work with no Content-Security-Policy violation, the
// gated tools wait for consent and then run, every embed shows a
// placeholder until then, pages in Shift_JIS and EUC-JP keep their bytes,
// and the root page is the site's own.
func TestSitesBrowser(t *testing.T) {
	began := time.Now()
	browser := browsertest.New(t)
	upstream := httptest.NewServer(corpusUpstream(sitesRoot))
	t.Cleanup(upstream.Close)
	t.Cleanup(func() { t.Logf("sites browser tests ran for %v", time.Since(began).Round(time.Millisecond)) })

	for _, mode := range []struct {
		name string
		args []string
	}{
		{"static", []string{"--site-root", sitesRoot}},
		{"proxy", []string{"--upstream", upstream.URL}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", sitesManifest}, mode.args...)
			p := start(t, args...)

			t.Run("root page", func(t *testing.T) { checkRootPage(t, p.url) })
			t.Run("not found page", func(t *testing.T) { checkNotFoundLinks(t, p.url) })
			for _, lp := range legacyPages {
				t.Run("bytes of "+lp.path, func(t *testing.T) { checkLegacyBytes(t, p.url, lp) })
			}
			for _, pg := range corpusPages {
				t.Run("page "+pg.path, func(t *testing.T) { checkCorpusPage(t, browser, p.url, pg) })
			}
			t.Run("search", func(t *testing.T) { checkCorpusSearch(t, p.url) })
			t.Run("Noren's pages", func(t *testing.T) {
				v := newSiteVisitor(t, browser, p.url)
				for _, path := range []string{"/ja/privacy", "/ja/cookies", "/ja/privacy/choices", "/ja/search"} {
					v.open(path)
					v.wantNoViolations(path)
				}
			})
		})
	}
}

// checkCorpusSearch checks that the site search finds what an ordinary
// site holds: pages in legacy charsets and without language folders, and
// the text of a PDF in a Japanese font, each linked at its own address.
func checkCorpusSearch(t *testing.T, base string) {
	waitFound(t, base, url.Values{"q": {"年次報告書"}})
	for _, tc := range []struct{ q, want string }{
		{"町民バス", "/archive/2009/sjis.html"},       // Shift_JIS
		{"くすのきの森ひろば", "/archive/2009/eucjp.html"}, // EUC-JP
		{"年次報告書", "/files/annual-report-2025.pdf"},
	} {
		a := searchAPI(t, base, url.Values{"q": {tc.q}})
		if urls := a.urls(); len(urls) == 0 || urls[0] != tc.want {
			t.Errorf("search %q: %v, want %s first", tc.q, urls, tc.want)
		}
	}
}

// checkRootPage checks that / answers with the site's own root page, in
// whatever language the browser prefers, rather than sending the visitor
// to a language folder the site does not have.
func checkRootPage(t *testing.T, base string) {
	for _, lang := range []string{"", "ja,en;q=0.5", "en-US,en;q=0.8"} {
		req, err := http.NewRequest(http.MethodGet, base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(sitesIndexHeading)) {
			t.Errorf("GET / with Accept-Language %q: status %d, Location %q; want 200 with the site's index.html",
				lang, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// localHref finds the site-relative addresses a page links to.
var localHref = regexp.MustCompile(`href="(/[^"#]*)`)

// checkNotFoundLinks checks that a missing page is answered 404 with the
// site's own 404 page, and that every link on it leads to a page that
// exists.
func checkNotFoundLinks(t *testing.T, base string) {
	resp, body := get(t, nil, base+"/no-such-page/")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "ページが見つかりません") {
		t.Fatalf("GET /no-such-page/: status %d, want 404 with the site's 404 page:\n%s", resp.StatusCode, body)
	}
	client := &http.Client{}
	for _, m := range localHref.FindAllStringSubmatch(body, -1) {
		link := m[1]
		resp, err := client.Get(base + link)
		if err != nil {
			t.Errorf("the 404 page links to %s: %v", link, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the 404 page links to %s, which answers %d at %s", link, resp.StatusCode, resp.Request.URL.Path)
		}
	}
}

// legacyRegions are parts of a legacy page that Noren has no reason to
// touch: the title, the content and the footer, each from its start tag
// to its end.
var legacyRegions = [][2]string{
	{"<title>", "</title>"},
	{`<div id="content">`, "<!-- /content -->"},
	{`<div id="footer">`, "</div>"},
}

// checkLegacyBytes checks that a page in a Japanese charset is sent in
// that charset: the Content-Type names it or names none, the page's own
// bytes are sent unchanged, and what Noren added decodes in it.
func checkLegacyBytes(t *testing.T, base string, lp legacyPage) {
	source, err := os.ReadFile(filepath.Join(sitesRoot, lp.file))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, nil, base+lp.path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", resp.Header.Get("Content-Type"), err)
	}
	if cs, ok := params["charset"]; ok && !slices.Contains(lp.names, strings.ToLower(cs)) {
		t.Errorf("Content-Type %q: the page is in %s", resp.Header.Get("Content-Type"), lp.names[0])
	}
	for _, r := range legacyRegions {
		start := bytes.Index(source, []byte(r[0]))
		end := bytes.Index(source[start:], []byte(r[1]))
		if start < 0 || end < 0 {
			t.Fatalf("the source lacks %s…%s", r[0], r[1])
		}
		region := source[start : start+end+len(r[1])]
		if !strings.Contains(body, string(region)) {
			t.Errorf("the page's bytes from %s to %s were not sent unchanged", r[0], r[1])
		}
	}
	decoded, err := lp.encoding.NewDecoder().String(body)
	if err != nil {
		t.Fatalf("the page does not decode as %s: %v", lp.names[0], err)
	}
	if i := strings.IndexRune(decoded, '\uFFFD'); i >= 0 {
		t.Errorf("the page holds bytes that are not %s near %q", lp.names[0], decoded[max(0, i-120):min(len(decoded), i+40)])
	}
}

// checkCorpusPage opens a page of the corpus in a fresh browser context,
// checks it before any choice, accepts all, and checks it again, then once
// more as the next page load after the choice.
func checkCorpusPage(t *testing.T, browser context.Context, base string, pg corpusPage) {
	v := newSiteVisitor(t, browser, base)
	v.open(pg.path)
	checkCorpusContent(v, pg)
	v.check("the consent banner is shown", bannerShown)
	v.check("the banner's title decodes", `['クッキー等の利用について', 'Your privacy choices'].includes(
		document.getElementById(document.querySelector('.noren-banner').getAttribute('aria-labelledby')).textContent)`)
	if got := evaluate[[]string](v.visitor, "frames", sitesFramesJS); !slices.Equal(got, heldFrames(pg.frames)) {
		v.fatalf("frames before consent %q, want %q", got, heldFrames(pg.frames))
	}
	// held are the addresses of the frames, which consent.js gives back
	// to them once their tool is accepted.
	held := evaluate[[]string](v.visitor, "held frames", `[...document.querySelectorAll('iframe')].map(f => f.dataset.norenSrc || '')`)
	loaded := fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('iframe')].map(f => f.getAttribute('src') || '')) === %q`, mustJSON(v.t, held))
	for i := range pg.frames {
		v.check(fmt.Sprintf("frame %d shows a placeholder naming its recipient", i), fmt.Sprintf(`(() => {
			const f = document.querySelectorAll('iframe')[%d], p = f.previousElementSibling;
			return !!p && p.matches('.noren-ctl') && p.getBoundingClientRect().height > 0 && p.textContent.includes('Google LLC'); })()`, i))
	}
	if pg.gtag {
		v.check("the gtag.js loader is held back", `!!document.querySelector('script[type="text/plain"][data-noren-tool="google-analytics"][data-noren-src*="googletagmanager"], script[type="text/plain"][data-noren-tool="google-analytics"][src*="googletagmanager"]')`)
		v.check("the inline gtag configuration has not run", "!"+sitesGtagRan)
	}
	for _, sel := range pg.handlers {
		v.click("press "+sel, sel)
		v.check("the inline onclick handler of "+sel+" runs", fmt.Sprintf(`document.querySelector(%q).getAttribute('aria-expanded') === 'true'`, sel))
	}
	v.wantOnlyLoopback(0)
	v.wantNoViolations("before any choice")

	mark := len(v.sent())
	v.click("Accept all", acceptAllButton)
	v.waitFor("the banner goes", "!"+bannerShown)
	if pg.gtag {
		v.waitFor("the inline gtag configuration runs after Accept all", sitesGtagRan)
		v.waitForRequest(mark, "www.googletagmanager.com")
	}
	if len(pg.frames) > 0 {
		v.waitFor("every frame loads its content", loaded)
	}
	v.wantNoViolations("after Accept all")

	mark = len(v.sent())
	v.open(pg.path)
	checkCorpusContent(v, pg)
	v.check("no banner after the choice", "!"+bannerShown)
	if pg.gtag {
		v.waitFor("the inline gtag configuration runs with the page", sitesGtagRan)
		v.waitForRequest(mark, "www.googletagmanager.com")
	}
	if len(pg.frames) > 0 {
		v.waitFor("the frames load with the page", loaded)
	}
	v.wantNoViolations("the next visit after Accept all")
}

// sitesFramesJS describes each frame of the page as "tool:held" or
// "tool:loaded".
const sitesFramesJS = `[...document.querySelectorAll('iframe')].map(f =>
	(f.dataset.norenTool || '?') + ':' + (f.hasAttribute('src') ? 'loaded' : f.dataset.norenSrc ? 'held' : 'empty'))`

// mustJSON encodes v as JSON.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func heldFrames(tools []string) []string {
	out := make([]string, len(tools))
	for i, tool := range tools {
		out[i] = tool + ":held"
	}
	return out
}

// checkCorpusContent checks that the page's own text, scripts and styles
// came through.
func checkCorpusContent(v *siteVisitor, pg corpusPage) {
	v.t.Helper()
	if got := evaluate[string](v.visitor, "heading", `document.querySelector('h1').textContent`); got != pg.heading {
		v.fatalf("the heading reads %q, want %q", got, pg.heading)
	}
	v.check("no character was lost in decoding", `!document.documentElement.innerText.includes('\uFFFD')`)
	v.check("Noren's footer links decode", `[...document.querySelectorAll('.noren-footer a[href$="/privacy"]')].every(a =>
		['プライバシーポリシー', 'Privacy policy'].includes(a.textContent.trim()))`)
	if pg.charset != "" {
		if got := evaluate[string](v.visitor, "charset", `document.characterSet`); got != pg.charset {
			v.fatalf("the browser reads the page as %s, want %s", got, pg.charset)
		}
	}
	if pg.templated {
		v.check("the site's inline script in <head> ran", `document.documentElement.classList.contains('js')`)
		v.check("the site's inline script in the footer ran", `document.getElementById('year').textContent === String(new Date().getFullYear())`)
		v.check("the site's inline <style> applies", `getComputedStyle(document.querySelector('.site-header')).borderBottomStyle === 'solid'`)
	}
	v.check("every style attribute applies", `[...document.querySelectorAll('[style]')].every(e => !e.getAttribute('style').trim() || e.style.length > 0)`)
}

// siteVisitor is a visitor that also records what the browser reports of
// Content-Security-Policy violations and uncaught exceptions.
type siteVisitor struct {
	*visitor

	mu       sync.Mutex
	problems []string
}

func newSiteVisitor(t *testing.T, browser context.Context, base string) *siteVisitor {
	t.Helper()
	v := &siteVisitor{visitor: &visitor{t: t, base: base}}
	v.ctx = openTab(t, browser, v.listen)
	step, stop := context.WithTimeout(v.ctx, browserStep)
	defer stop()
	if _, err := chromedp.Call(step, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable log events: %v", err)
	}
	if _, err := chromedp.Call(step, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: sitesViolationListener}); err != nil {
		t.Fatalf("listen for violations: %v", err)
	}
	return v
}

// listen records requests, the browser's log entries about the
// Content-Security-Policy, and uncaught exceptions.
func (v *siteVisitor) listen(ev any) {
	v.visitor.listen(ev)
	var problem string
	switch e := ev.(type) {
	case *cdplog.EventEntryAdded:
		if strings.Contains(e.Entry.Text, "Content Security Policy") || strings.Contains(e.Entry.Text, "Content-Security-Policy") {
			problem = "log: " + e.Entry.Text
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		problem = fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, d.Text)
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
	}
	if problem != "" {
		v.mu.Lock()
		v.problems = append(v.problems, problem)
		v.mu.Unlock()
	}
}

// wantNoViolations fails the test if the browser has reported a violation
// of the Content-Security-Policy or an uncaught exception so far.
func (v *siteVisitor) wantNoViolations(when string) {
	v.t.Helper()
	seen := evaluate[[]string](v.visitor, "violations", sitesViolations)
	v.mu.Lock()
	problems := append(slices.Clone(v.problems), seen...)
	v.mu.Unlock()
	if len(problems) > 0 {
		v.fatalf("%s: the browser reported:\n%s", when, strings.Join(problems, "\n"))
	}
}
