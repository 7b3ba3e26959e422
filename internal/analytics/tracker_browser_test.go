package analytics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/web"
)

// browserStep bounds each browser step, so that a page that never answers
// fails the test instead of hanging it.
const browserStep = 30 * time.Second

// trackerPage is a fixture page loading the tracker. Clicks on links are
// cancelled after the tracker has seen them, so that the test stays on
// the page (and never leaves the machine).
func trackerPage(head, scriptAttrs, body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fixture</title>` + head + `
<script>window.noren = window.noren || function () { (window.noren.q = window.noren.q || []).push(arguments) };
noren("Early", {props: {when: "before the tracker"}});</script>
<script defer src="/noren/a.js" ` + scriptAttrs + `></script></head>
<body>` + body + `
<script>document.addEventListener("click", function (e) { e.preventDefault() });</script></body></html>`
}

var trackerPages = map[string]string{
	"/quiet.html": trackerPage("", `data-domain="example.com"`, `<p>On 127.0.0.1 without data-local the tracker sends nothing.</p>`),
	"/page.html": trackerPage("", `data-domain="example.com" data-local`, `
<a id="out" href="https://elsewhere.example/docs/page?token=secret#part">elsewhere</a>
<a id="dl" href="/files/report.pdf?v=2">report</a>
<a id="inner" href="/page.html#section">same page</a>`),
	"/search.html":  trackerPage("", `data-domain="example.com" data-local`, `<p><span data-noren-results="3">3</span> results</p>`),
	"/missing.html": trackerPage(`<meta name="noren-404">`, `data-domain="example.com" data-local`, `<h1>Not found</h1>`),
	// The snippet the server injects for visitors without JavaScript.
	"/nojs.html": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fixture</title></head><body><p>No script here.</p>
<noscript><img src="/api/event.gif" alt="" width="1" height="1" referrerpolicy="same-origin"></noscript></body></html>`,
}

// trackerSite serves the fixture pages, the real tracker and the
// collector, and records the type of every body posted to the collector.
type trackerSite struct {
	h     *collectorHarness
	srv   *httptest.Server
	mu    sync.Mutex
	types []string
}

func newTrackerSite(t *testing.T) *trackerSite {
	s := &trackerSite{h: newCollectorHarness(t, nil, func(o *CollectorOptions) {
		o.Sites = append(o.Sites, "127.0.0.1")
	})}
	s.h.clock.set(time.Now())
	mux := http.NewServeMux()
	s.h.c.Register(mux)
	mux.HandleFunc("GET /noren/a.js", func(w http.ResponseWriter, r *http.Request) {
		src, err := web.Static.ReadFile("static/a.js")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(src)
	})
	// A catch-all for the site's pages, as Noren's own server has.
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		page, ok := trackerPages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/event" {
			s.mu.Lock()
			s.types = append(s.types, r.Method+" "+r.Header.Get("Content-Type"))
			s.mu.Unlock()
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// waitFor waits until the writer has an event matching want, and returns
// it. Events reach the writer in batches, about a second apart.
func (s *trackerSite) waitFor(t *testing.T, what string, want func(Event) bool) Event {
	t.Helper()
	deadline := time.Now().Add(browserStep)
	for {
		for _, e := range s.h.w.events() {
			if want(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event arrived; events: %+v", what, s.h.w.events())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func browserDo(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func browserValue[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestTrackerInBrowser drives the real tracker in Chromium against the
// real collector: pageviews, single-page navigation, outbound links,
// downloads, custom events queued before and sent after the script
// loaded, site search and 404 pages all arrive with the right fields;
// the tracker stays silent on a local address unless told otherwise; and
// the browser is left with no cookie and nothing stored.
func TestTrackerInBrowser(t *testing.T) {
	s := newTrackerSite(t)
	ctx := browsertest.New(t)
	// Headless Chromium says so in its User-Agent, and the collector
	// rightly takes it for a bot; the test browses as desktop Chrome.
	browserDo(t, ctx, "set the user agent", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: chromeUA})
		return chromedp.Void{}, err
	}, chromedp.EmulateViewport(1280, 800))

	base := s.srv.URL
	isPath := func(name, path string) func(Event) bool {
		return func(e Event) bool { return e.Name == name && e.Path == path }
	}

	// A local page without data-local sends nothing; the page after it
	// shows that its events would have arrived by then.
	browserDo(t, ctx, "open the quiet page", chromedp.Navigate(base+"/quiet.html"))
	browserDo(t, ctx, "open the page", chromedp.Navigate(base+"/page.html"))
	pv := s.waitFor(t, "pageview", isPath("pageview", "/page.html"))
	if pv.Site != "example.com" || pv.Hostname != "127.0.0.1" || pv.Browser != "Chrome" || pv.Screen != "large" ||
		pv.Visitor == 0 || pv.Referrer != "" {
		t.Errorf("pageview %+v", pv)
	}
	early := s.waitFor(t, "queued custom", isPath("Early", "/page.html"))
	if early.Props["when"] != "before the tracker" {
		t.Errorf("queued event props %v", early.Props)
	}

	browserDo(t, ctx, "send a custom event", chromedp.Evaluate[chromedp.Void](`noren("Signup", {props: {plan: "pro", seats: 3}})`))
	signup := s.waitFor(t, "custom", isPath("Signup", "/page.html"))
	if signup.Props["plan"] != "pro" || signup.Props["seats"] != "3" || signup.Visitor != pv.Visitor {
		t.Errorf("custom event %+v, want props plan=pro seats=3 from the pageview's visitor", signup)
	}

	browserDo(t, ctx, "click the outbound link", chromedp.Click(chromedp.ID("out")))
	out := s.waitFor(t, "outbound", isPath("outbound", "/page.html"))
	if out.Link != "https://elsewhere.example/docs/page" {
		t.Errorf("outbound link %q, want the page without query or fragment", out.Link)
	}
	browserDo(t, ctx, "click the download link", chromedp.Click(chromedp.ID("dl")))
	dl := s.waitFor(t, "download", isPath("download", "/page.html"))
	if dl.Link != base+"/files/report.pdf" {
		t.Errorf("download link %q", dl.Link)
	}
	browserDo(t, ctx, "click a link on the same page", chromedp.Click(chromedp.ID("inner")))

	browserDo(t, ctx, "navigate in the page", chromedp.Evaluate[chromedp.Void](`history.pushState({}, "", "/app/settings?tab=2")`))
	spa := s.waitFor(t, "pushState pageview", isPath("pageview", "/app/settings"))
	if spa.Visitor != pv.Visitor {
		t.Errorf("a navigation within the page came from another visitor")
	}
	browserDo(t, ctx, "replace the address", chromedp.Evaluate[chromedp.Void](`history.replaceState({}, "", "/app/profile")`))
	s.waitFor(t, "replaceState pageview", isPath("pageview", "/app/profile"))
	browserDo(t, ctx, "go back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	// Back from /app/profile, which replaced /app/settings, is /page.html.
	s.waitFor(t, "popstate pageview", func(Event) bool { return countPath(s.h.w.events(), "pageview", "/page.html") == 2 })

	browserDo(t, ctx, "search", chromedp.Navigate(base+"/search.html?q=green+tea"))
	search := s.waitFor(t, "search", isPath("search", "/search.html"))
	if search.Search != "green tea" || search.Results != 3 {
		t.Errorf("search %q with %d results, want \"green tea\" with 3", search.Search, search.Results)
	}
	browserDo(t, ctx, "open a missing page", chromedp.Navigate(base+"/missing.html"))
	s.waitFor(t, "404", isPath("404", "/missing.html"))
	s.waitFor(t, "404 pageview", isPath("pageview", "/missing.html"))

	for _, e := range s.h.w.events() {
		if e.Path == "/quiet.html" {
			t.Errorf("the tracker sent %q from a local page without data-local", e.Name)
		}
	}
	s.mu.Lock()
	for _, typ := range s.types {
		if !strings.HasPrefix(typ, "POST text/plain") {
			t.Errorf("the tracker sent %q; want POST text/plain, which needs no preflight", typ)
		}
	}
	s.mu.Unlock()

	// Nothing is left in the browser to recognise the visitor by.
	state := browserValue(t, ctx, "read the page's storage", chromedp.Evaluate[string](
		`document.cookie + "|" + localStorage.length + "|" + sessionStorage.length`))
	if state != "|0|0" {
		t.Errorf("cookie|localStorage|sessionStorage = %q, want all empty", state)
	}
	jar := browserValue(t, ctx, "read the cookie jar", func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
		return res.Cookies, err
	})
	if len(jar) != 0 {
		t.Errorf("the browser holds cookies: %+v", jar)
	}
}

// TestPixelInBrowserWithoutJavaScript loads a page with scripts off: the
// browser loads the noscript pixel, whose Referer names the page, and the
// pageview arrives.
func TestPixelInBrowserWithoutJavaScript(t *testing.T) {
	s := newTrackerSite(t)
	ctx := browsertest.New(t)
	browserDo(t, ctx, "turn scripts off and set the user agent", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: chromeUA}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
	browserDo(t, ctx, "open the page", chromedp.Navigate(s.srv.URL+"/nojs.html?utm_source=poster"))
	e := s.waitFor(t, "pixel pageview", func(e Event) bool { return e.Name == "pageview" })
	if e.Site != "127.0.0.1" || e.Path != "/nojs.html" || e.Source != "poster" || e.Browser != "Chrome" {
		t.Errorf("pixel pageview %+v", e)
	}
}

func countPath(events []Event, name, path string) int {
	n := 0
	for _, e := range events {
		if e.Name == name && e.Path == path {
			n++
		}
	}
	return n
}
