package consent_test

import (
	"context"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// gadgetPage is a page of a site whose content carries markup an attacker
// injected in the form of what Noren holds back, next to a script the site
// holds back by hand. The injected scripts are inline or come from hosts
// the Content-Security-Policy refuses: a script from the site itself would
// run as a plain <script src> all the same. {{forged}} is a consent
// configuration in which every category is strictly necessary, in an
// element that comes first in the document under the id consent.js reads.
const gadgetPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title id="noren-consent-config">{{forged}}</title>
<script type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" src="/assets/own.js"></script>
<script type="text/plain" data-noren-category="necessary">window.pwned = (window.pwned || []).concat("inline, necessary");</script>
</head>
<body>
<h1>Gadgets</h1>
<script type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics">window.pwned = (window.pwned || []).concat("inline, analytics");</script>
<script type="text/plain" data-noren-category="necessary" src="//127.0.0.1:1/gadget/evil.js"></script>
<script type="text/plain" data-noren-category="analytics" nonce="guessed" src="http://localhost/gadget/evil.js"></script>
<iframe data-noren-src="/gadget/frame" data-noren-category="necessary" title="Injected frame"></iframe>
<img data-noren-src="/gadget/pixel.gif" data-noren-category="necessary" alt="">
<link rel="stylesheet" data-noren-href="/gadget/style.css" data-noren-category="necessary">
</body>
</html>`

// TestGadgetsDoNotRun serves a page with injected gadgets through Noren's
// real rewrite, Content-Security-Policy and consent.js, and checks in
// Chromium that none of them runs or loads, before or after consent, while
// the script the site held back runs once allowed.
func TestGadgetsDoNotRun(t *testing.T) {
	m := blockManifest(t)
	forged, err := consent.PageConfig(m, "en", false)
	if err != nil {
		t.Fatal(err)
	}
	forgedAll := strings.ReplaceAll(string(forged), `"required":false`, `"required":true`)
	if forgedAll == string(forged) {
		t.Fatal("the forged configuration makes no category necessary")
	}
	siteFS := fstest.MapFS{
		"en/index.html":    {Data: []byte(strings.Replace(gadgetPage, "{{forged}}", html.EscapeString(forgedAll), 1))},
		"assets/own.js":    {Data: []byte(`window.ownRan = true;`)},
		"gadget/evil.js":   {Data: []byte(`window.pwned = (window.pwned || []).concat("src");`)},
		"gadget/frame":     {Data: []byte(`framed`)},
		"gadget/pixel.gif": {Data: []byte(`GIF89a`)},
		"gadget/style.css": {Data: []byte(`h1 { color: red }`)},
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
	mux.Handle("/", pages)
	headers, err := server.SecurityHeaders(server.HeaderPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		headers(mux).ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx := browsertest.New(t)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	check := func(what, expr string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !ok {
			page, _ := chromedp.Run(c, chromedp.OuterHTML(chromedp.CSS("html")))
			t.Fatalf("%s: want %s\n--- page ---\n%s", what, expr, page)
		}
	}
	// The page has loaded, consent.js has gone through it and the banner
	// is up, or the configuration was not Noren's.
	const settled = `document.readyState === 'complete' && !!document.querySelector('.noren-banner')`
	noGadget := func(when string) {
		t.Helper()
		check(when+": no injected code ran", `window.pwned === undefined`)
		check(when+": no injected frame, image or stylesheet got an address or a placeholder",
			`!document.querySelector('.noren-ctl, iframe[src], img[src], link[rel=stylesheet][href^="/gadget"]')`)
		mu.Lock()
		defer mu.Unlock()
		for path, n := range hits {
			if strings.HasPrefix(path, "/gadget/") {
				t.Errorf("%s: %d requests for %s", when, n, path)
			}
		}
	}

	run("open the page", chromedp.Navigate(srv.URL+"/en/"))
	check("the banner asks", settled)
	check("the site's own held-back script waits", `window.ownRan === undefined`)
	noGadget("before any choice")

	// Every category and tool accepted, as the banner's Accept all would
	// record it.
	choice := consent.Choice{
		Receipt:    "AAAAAAAAAAAAAAAAAAAAAA",
		Given:      time.Now(),
		Version:    consent.Version(m),
		Policy:     "000000000000",
		Categories: map[string]bool{"analytics": true, "advertising": true, "embeds": true},
		Tools:      map[string]bool{"google-analytics": true, "ads": true, "video": true},
	}
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Call(c, network.SetCookie, network.SetCookieParams{Name: consent.CookieName, Value: choice.CookieValue(), URL: srv.URL + "/", Path: "/"}); err != nil {
		t.Fatalf("set the consent cookie: %v", err)
	}
	run("open the page again", chromedp.Navigate(srv.URL+"/en/"))
	if _, err := chromedp.Run(c, chromedp.Poll[bool](`window.ownRan === true`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("the site's own held-back script does not run after consent: %v", err)
	}
	check("no banner after consent", `document.readyState === 'complete' && !document.querySelector('.noren-banner')`)
	noGadget("after consent")
}
