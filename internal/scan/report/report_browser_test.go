package report

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/scan/verdict"
)

// browserStep bounds one step of the browser test.
const browserStep = 30 * time.Second

// axeRun runs axe-core's WCAG 2.2 A and AA rules on the page and lists
// what breaks them.
var axeRun = fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: ['%s']}, resultTypes: ['violations']})
	.then(r => r.violations.map(x => x.id + ': ' + x.help + ' — ' + x.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ')))`,
	strings.Join(browsertest.AxeTags, "', '"))

// overflow names the elements, other than scrolling regions, whose
// content is wider than they are.
const overflow = `[document.body, ...document.body.querySelectorAll('*')]
	.filter(e => e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX))
	.map(e => e.outerHTML.slice(0, 80) + ' (' + e.scrollWidth + ' px in ' + e.clientWidth + ' px)').slice(-3)`

// TestReportInBrowser opens the report as a reader would, on a phone and
// on a desktop, and checks it against WCAG 2.2 AA with axe-core; on the
// phone nothing but the tables' own scrolling regions may scroll sideways,
// however long the values; in print the language switch goes and every
// table shows whole.
func TestReportInBrowser(t *testing.T) {
	axe := browsertest.Axe(t)
	browser := browsertest.New(t)
	reports := map[string]*verdict.Report{"/sample": sampleReport(), "/hostile": hostileReport()}
	docs := make(map[string][]byte)
	for path, r := range reports {
		var b bytes.Buffer
		if err := WriteHTML(&b, r); err != nil {
			t.Fatal(err)
		}
		docs[path] = b.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// The policy a mail reader or a careful browser would apply: a
		// report that needed more would break there.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)

	run := func(t *testing.T, what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, browserStep)
		defer cancel()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(t *testing.T, what, js string, await bool) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, browserStep)
		defer cancel()
		var opts []chromedp.EvaluateOption
		if await {
			opts = append(opts, chromedp.EvalAwaitPromise)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js, opts...))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return got
	}
	type viewport struct {
		name          string
		width, height int64
		phone         bool
	}
	phone, desktop := viewport{"phone", 390, 844, true}, viewport{"desktop", 1280, 900, false}
	// The hostile report is about long values, which only a phone's width
	// puts to the test.
	for _, tt := range []struct {
		path string
		vp   viewport
	}{{"/sample", phone}, {"/sample", desktop}, {"/hostile", phone}} {
		t.Run(strings.TrimPrefix(tt.path, "/")+" on a "+tt.vp.name, func(t *testing.T) {
			opts := []chromedp.EmulateViewportOption{}
			if tt.vp.phone {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			run(t, "emulate "+tt.vp.name, chromedp.EmulateViewport(tt.vp.width, tt.vp.height, opts...))
			run(t, "open "+tt.path, chromedp.Navigate(srv.URL+tt.path))
			if got := eval(t, "load axe-core", axe+"\n;[typeof axe]", false); len(got) != 1 || got[0] != "object" {
				t.Fatalf("axe-core did not load: %q", got)
			}
			for _, v := range eval(t, "run axe-core", axeRun, true) {
				t.Error(v)
			}
			if !tt.vp.phone {
				return
			}
			if wide := eval(t, "page width", `document.documentElement.scrollWidth > `+fmt.Sprint(tt.vp.width)+` ? ['wide'] : []`, false); len(wide) > 0 {
				t.Errorf("the page scrolls sideways: %q", eval(t, "wide elements", overflow, false))
			}
		})
	}

	t.Run("print", func(t *testing.T) {
		run(t, "a desktop", chromedp.EmulateViewport(1280, 900))
		run(t, "open the report", chromedp.Navigate(srv.URL+"/sample"))
		run(t, "print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		got := eval(t, "print layout", `[
			getComputedStyle(document.querySelector('nav.lang')).display,
			getComputedStyle(document.querySelector('.table')).overflowX,
			getComputedStyle(document.querySelector('#en')).breakBefore]`, false)
		if want := []string{"none", "visible", "page"}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("in print the switch, the tables' overflow and the English section's break are %q, want %q", got, want)
		}
	})
}
