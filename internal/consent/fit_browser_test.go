package consent_test

import (
	"context"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// ordinaryPage is a page as sites write them, unaware of any
// Content-Security-Policy: an inline style and script, event handlers,
// style attributes, a javascript: link, and Google's copy-paste gtag
// snippet, verbatim but for its loader's address, which is {{gtag}}.
const ordinaryPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>An ordinary page</title>
<style>.note { color: rgb(0, 128, 0) }</style>
<script>window.inlineRan = true;</script>
<!-- Google tag (gtag.js) -->
<script async src="{{gtag}}"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-TEST0FIT');
</script>
</head>
<body>
<h1>Ordinary</h1>
<p class="note" id="note">Styled by the page's style element.</p>
<p id="styled" style="color: rgb(255, 0, 0)">Styled by its attribute.</p>
<button id="count" type="button" onclick="window.clicks = (window.clicks || 0) + 1">Count</button>
<a id="nowhere" href="javascript:void(0)" onclick="window.linked = true">Go nowhere</a>
</body>
</html>`

// violations collects, from before any script of the page runs, what the
// page's Content-Security-Policy refused.
const violations = `window.violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));`

// TestOrdinaryPageFitsThePolicy serves an ordinary page through Noren's
// rewrite, Content-Security-Policy and consent.js, and checks in Chromium
// that the page's own inline code works and is not reported, that the gtag
// snippet does nothing before consent and runs, loader and configuration,
// after Accept all, all with no violation of the policy.
func TestOrdinaryPageFitsThePolicy(t *testing.T) {
	// Google's hosts resolve to nothing in the test browser, which reaches
	// 127.0.0.1 alone; the loader comes from a server there, whose address
	// the manifest gives the analytics tool as one of its hosts. The
	// site's own pages link to it by relative URLs only.
	var loads atomic.Int32
	gtagServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loads.Add(1)
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`window.gtagLoaded = true;`))
	}))
	defer gtagServer.Close()
	gtagOrigin := gtagServer.URL

	m := blockManifest(t)
	for i := range m.Tools {
		if m.Tools[i].ID == "google-analytics" {
			m.Tools[i].Hosts = append(m.Tools[i].Hosts, "127.0.0.1")
		}
	}
	hs := newHarness(t, storetest.SQLite(t), m)
	hs.now = time.Now()

	siteFS := fstest.MapFS{
		"en/index.html": {Data: []byte(strings.Replace(ordinaryPage, "{{gtag}}", gtagOrigin+"/gtag/js?id=G-TEST0FIT", 1))},
	}
	pages, err := site.NewStatic(siteFS, site.Options{
		Languages:       []string{"ja", "en"},
		DefaultLanguage: "ja",
		Nonce:           server.Nonce,
		Injection: site.Injection{
			HeadStart: func(r *http.Request, lang, nonce string) string {
				config, err := consent.PageConfig(m, lang, false)
				if err != nil {
					t.Error(err)
				}
				return `<link rel="stylesheet" href="/noren/consent.css"><script id="noren-consent-config" type="application/json">` +
					string(config) + `</script><script src="/noren/consent.js" nonce="` + html.EscapeString(nonce) + `"></script>`
			},
			StartTags: []site.TagRewriter{consent.BlockRewriter(func() *manifest.Manifest { return m })},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /noren/", http.StripPrefix("/noren", http.FileServerFS(static)))
	mux.Handle("POST "+consent.APIPath, hs.mux)
	mux.Handle("/", pages)
	// The tool hosts go into the policy as https: sources on the default
	// port, as for a real site; the test's loader needs its own origin.
	sources := consent.CSPSources(m, nil)
	sources["script-src"] = append(sources["script-src"], gtagOrigin)
	headers, err := server.SecurityHeaders(server.HeaderPolicy{CSPExtra: sources})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(headers(mux))
	defer srv.Close()

	ctx := browsertest.New(t)
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 30*time.Second) }
	check := func(what, expr string) {
		t.Helper()
		c, cancel := step()
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !ok {
			v, _ := chromedp.Run(c, chromedp.Evaluate[[]string](`window.violations || []`))
			t.Fatalf("%s: want %s (violations: %q)", what, expr, v)
		}
	}
	noViolation := func(when string) {
		t.Helper()
		c, cancel := step()
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[[]string](`window.violations`))
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if len(v) > 0 {
			t.Errorf("%s: the policy refused %q", when, v)
		}
	}

	c, cancel := step()
	defer cancel()
	if _, err := chromedp.Call(c, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violations}); err != nil {
		t.Fatalf("listen for violations: %v", err)
	}
	if err := chromedp.Do(c, chromedp.Navigate(srv.URL+"/en/")); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	check("the banner asks", `document.readyState === 'complete' && !!document.querySelector('.noren-banner')`)
	check("the inline script ran", `window.inlineRan === true`)
	check("the style element applies", `getComputedStyle(document.getElementById('note')).color === 'rgb(0, 128, 0)'`)
	check("the style attribute applies", `getComputedStyle(document.getElementById('styled')).color === 'rgb(255, 0, 0)'`)
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS("#count")), chromedp.Click(chromedp.CSS("#count")), chromedp.Click(chromedp.CSS("#nowhere"))); err != nil {
		t.Fatalf("click: %v", err)
	}
	check("the click handler ran twice", `window.clicks === 2`)
	check("the link's handler ran", `window.linked === true`)
	check("gtag's configuration waits", `!(window.dataLayer || []).some(a => a[0] === 'config')`)
	check("gtag's loader waits", `window.gtagLoaded === undefined`)
	if n := loads.Load(); n != 0 {
		t.Errorf("before consent, %d requests for the gtag loader", n)
	}
	noViolation("before consent")

	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(".noren-banner .noren-btns button"))); err != nil {
		t.Fatalf("accept all: %v", err)
	}
	if _, err := chromedp.Run(c, chromedp.Poll[bool](`!document.querySelector('.noren-banner') && window.gtagLoaded === true`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("gtag's loader does not run after Accept all: %v", err)
	}
	check("gtag's configuration ran once", `window.dataLayer.filter(a => a[0] === 'config' && a[1] === 'G-TEST0FIT').length === 1`)
	if n := loads.Load(); n != 1 {
		t.Errorf("after consent, %d requests for the gtag loader, want 1", n)
	}
	noViolation("after consent")
}
