package results

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// browserStep bounds each step of a browser test.
const browserStep = 20 * time.Second

// scriptPause is how long search.js waits on a query before it counts it
// (PAUSE there).
const scriptPause = 1500 * time.Millisecond

// boxPage is a page of the site, which the box goes into.
const boxPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>A page</title></head>
<body>
<header><p>Test City</p></header>
<main><h1>A page</h1><p>Text.</p></main>
</body>
</html>`

// newBrowserSite serves the search handler, Noren's static files and a
// page of the site with the box, behind the server's security headers.
func newBrowserSite(t *testing.T) (*testServer, string) {
	t.Helper()
	s := newTestServer(t, append(slices.Clone(testDocs), pagedDocs(15)...), nil)
	box, err := NewBox(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	inj, err := site.NewInjector(site.Options{
		Languages:       []string{"ja", "en"},
		DefaultLanguage: "ja",
		Injection:       site.Injection{StartTags: []site.TagRewriter{box.Rewriter()}},
		Nonce:           server.Nonce,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.h.Register(mux)
	mux.Handle("GET /noren/", http.StripPrefix("/noren/", staticHandler()))
	mux.Handle("GET /", inj.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/en/page" {
			w.WriteHeader(http.StatusNotFound)
		}
		io.WriteString(w, boxPage)
	})))
	headers, err := server.SecurityHeaders(server.HeaderPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(headers(mux))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// tab drives one browser tab.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until expr is true in the page.
func (b *tab) waitFor(expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0))
	if _, err := chromedp.Run(ctx, poll); err != nil {
		html := eval[string](b, `document.body.outerHTML`)
		b.t.Fatalf("waiting for %s: %v\n%s", expr, err, html)
	}
}

// waitAcross waits until expr is true in the page, across the navigation
// an action started: the old page may answer, or none.
func (b *tab) waitAcross(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(browserStep)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: %v", expr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *tab) check(expr string) {
	b.t.Helper()
	if !eval[bool](b, expr) {
		b.t.Errorf("want %s", expr)
	}
}

// axeRun runs axe-core's WCAG 2.2 AA rules on the page and lists what
// they find broken.
var axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['` + strings.Join(browsertest.AxeTags, "', '") + `']}, resultTypes: ['violations']})
	.then(r => r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`

func (b *tab) checkAccessibility(axe, where string) {
	b.t.Helper()
	eval[bool](b, axe+"\n;true")
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: run axe-core: %v", where, err)
	}
	for _, f := range found {
		b.t.Errorf("%s: %s", where, f)
	}
	if wide := eval[int](b, `document.documentElement.scrollWidth`); wide > 390 && eval[int](b, `innerWidth`) <= 390 {
		b.t.Errorf("%s: the page is %d px wide at 390 px", where, wide)
	}
}

func TestSearchBrowser(t *testing.T) {
	axe := browsertest.Axe(t)
	s, base := newBrowserSite(t)
	b := &tab{t: t, ctx: browsertest.New(t)}

	t.Run("search page", func(t *testing.T) {
		b.t = t
		b.do("phone width", chromedp.EmulateViewport(390, 844))
		b.do("open", chromedp.Navigate(base+"/en/search"))
		b.checkAccessibility(axe, "empty form")
		b.do("type", chromedp.Click(chromedp.CSS("#search-q")), chromedp.SendKeys(chromedp.CSS("#search-q"), "notice"))
		b.waitFor(`document.querySelectorAll('#search-results li.search-result').length === 10`)
		b.check(`document.querySelector('#search-results [role=status]').textContent === 'Results found: 16.'`)
		b.check(`location.search === '?q=notice'`)
		b.check(`document.querySelector('#search-results mark').textContent.toLowerCase() === 'notice'`)
		b.check(`document.querySelector('.search-results__more a').getAttribute('href') === '/en/search?q=notice'`)
		b.checkAccessibility(axe, "results as one types")

		b.do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
		b.check(`document.activeElement === document.querySelectorAll('#search-results li a')[0]`)
		b.do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
		b.check(`document.activeElement === document.querySelectorAll('#search-results li a')[1]`)
		b.do("arrow up twice", chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
		b.check(`document.activeElement.id === 'search-q'`)

		// The pause counts the query once, and none of its prefixes.
		time.Sleep(scriptPause + 300*time.Millisecond)
		if got := s.rec.take(); !slices.Equal(got, []recorded{{"notice", 16}}) {
			t.Errorf("recorded %v, want notice once", got)
		}

		b.do("escape", chromedp.KeyEvent(kb.Escape))
		b.waitFor(`document.querySelector('#search-q').value === '' && !document.querySelector('#search-results li')`)
		b.check(`document.querySelector('#search-results [role=status]').textContent === ''`)
		b.check(`location.search === ''`)

		// Submitting the counted query does not count it again.
		b.do("type again", chromedp.SendKeys(chromedp.CSS("#search-q"), "grant"))
		b.waitFor(`document.querySelectorAll('#search-results li.search-result').length === 2`)
		time.Sleep(scriptPause + 300*time.Millisecond)
		b.do("submit", chromedp.KeyEvent(kb.Enter))
		b.waitAcross(`location.search.includes('record=0') && document.querySelector('.search-results__range') !== null`)
		if got := s.rec.take(); !slices.Equal(got, []recorded{{"grant", 2}}) {
			t.Errorf("recorded %v, want grant once", got)
		}
		b.checkAccessibility(axe, "results page")
	})

	t.Run("box", func(t *testing.T) {
		b.t = t
		b.do("phone width", chromedp.EmulateViewport(390, 844))
		b.do("open", chromedp.Navigate(base+"/en/page"))
		b.checkAccessibility(axe, "page with the box")
		b.do("desktop width", chromedp.EmulateViewport(1280, 900))
		b.check(`document.querySelector('header > form.noren-search-box') !== null`)
		b.do("type", chromedp.Click(chromedp.CSS("#noren-search-box-q")), chromedp.SendKeys(chromedp.CSS("#noren-search-box-q"), "grant"))
		b.waitFor(`document.querySelectorAll('.noren-search-box li').length === 2`)
		b.check(`document.querySelector('.noren-search-box [role=status]').textContent === 'Results found: 2.'`)
		b.check(`location.pathname === '/en/page' && location.search === ''`)
		b.checkAccessibility(axe, "box with results")
		b.do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
		href := eval[string](b, `document.activeElement.getAttribute('href')`)
		b.do("follow", chromedp.KeyEvent(kb.Enter))
		b.waitAcross(fmt.Sprintf(`location.pathname === %q`, href))
		// Following a result counts the search at once, before the pause.
		var got []recorded
		for deadline := time.Now().Add(scriptPause / 2); len(got) == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			got = s.rec.take()
		}
		if !slices.Equal(got, []recorded{{"grant", 2}}) {
			t.Errorf("recorded %v, want grant once", got)
		}
	})
}
