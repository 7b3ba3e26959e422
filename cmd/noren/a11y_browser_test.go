package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
)

// a11yViewport is a window size the accessibility checks run at.
type a11yViewport struct {
	name          string
	width, height int64
	phone         bool
}

// a11yViewports are a phone held upright, where the layout must reflow
// without sideways scrolling, and a desktop window.
var a11yViewports = []a11yViewport{
	{"390px", 390, 844, true},
	{"desktop", 1280, 900, false},
}

// a11yPublicPages are Noren's public pages of the demo, with the status
// each answers.
var a11yPublicPages = []struct {
	path   string
	status int64
}{
	{"/ja/privacy", 200},
	{"/en/cookies", 200},
	{"/ja/cookies", 200},
	{"/ja/privacy/history", 200},
	{"/en/privacy/choices", 200},
	{"/ja/contact/form", 200},
	{"/en/privacy/requests", 200},
	{"/ja/stats", 200},
	{"/ja/search?q=%E5%89%B5%E6%A5%AD", 200}, // 創業
	{"/en/search?q=guide", 200},
	{"/en/no-such-page", 404},
}

// a11yConsolePages are the console's pages an owner reaches; the inbox
// submission, opened with a purpose, is added by the test.
var a11yConsolePages = []string{
	"/admin/",
	"/admin/inbox",
	"/admin/forms",
	"/admin/requests",
	"/admin/audit",
	"/admin/analytics",
	"/admin/consent",
	"/admin/search",
	"/admin/policy",
	"/admin/users",
	"/admin/account",
	"/admin/account/tokens",
}

// a11yLongLine is a message line with no place to break, such as a pasted
// address, which a page must wrap rather than widen to fit.
var a11yLongLine = "https://example.jp/" + strings.Repeat("very-long-path-segment-", 30)

// TestAccessibilityBrowser runs axe-core's WCAG 2.2 AA rules on Noren's
// public pages and on the console, at a phone's width and a desktop's, and
// checks at the phone's width that nothing needs sideways scrolling and
// that chart labels stay at least 10 px high.
func TestAccessibilityBrowser(t *testing.T) {
	axe := browsertest.Axe(t)
	browser := browsertest.New(t)
	dir := t.TempDir()
	const owner = "owner@example.jp"
	addStaff(t, dir, owner, "owner", "", "")
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	// The search pages are checked with results, once the first run has
	// indexed the demo.
	waitFound(t, p.url, url.Values{"q": {"guide"}})

	t.Run("public pages", func(t *testing.T) {
		for _, vp := range a11yViewports {
			t.Run(vp.name, func(t *testing.T) {
				v := newVisitor(t, browser, p.url, visitorOptions{})
				v.emulate(vp)
				for _, pg := range a11yPublicPages {
					path, _, _ := strings.Cut(pg.path, "?")
					loadWithStatus(v, "open "+pg.path, pg.status, path, chromedp.Navigate(p.url+pg.path))
					checkAccessibility(v, axe, pg.path, vp)
				}
			})
		}
	})

	t.Run("console", func(t *testing.T) {
		for _, vp := range a11yViewports {
			v := newVisitor(t, browser, p.url, visitorOptions{})
			v.emulate(vp)
			v.open("/admin/login")
			checkAccessibility(v, axe, "/admin/login", vp)
		}
		sendContactMessage(t, browser, p.url, "Please see\n"+a11yLongLine)
		s := signInToConsole(t, browser, p.url, owner)
		submission := openFirstSubmission(s)
		for _, vp := range a11yViewports {
			s.emulate(vp)
			for _, path := range a11yConsolePages {
				s.open(path)
				checkAccessibility(s, axe, path, vp)
			}
			s.open(submission)
			openWithPurpose(s, submission)
			s.check("the opened message shows the long line", fmt.Sprintf(`document.body.innerText.includes(%q)`, a11yLongLine))
			checkAccessibility(s, axe, submission+"/open", vp)
		}
	})
}

// emulate gives v's tab the viewport's size.
func (v *visitor) emulate(vp a11yViewport) {
	v.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if vp.phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	v.do("emulate "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, opts...))
}

// axeViolation is what the test reports of one rule axe-core found broken.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRunJS runs axe-core's WCAG 2.2 A and AA rules on the page.
var axeRunJS = fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
	.then(r => r.violations.map(x => ({id: x.id, impact: x.impact || '', help: x.help,
		nodes: x.nodes.slice(0, 6).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))})))`,
	"['"+strings.Join(browsertest.AxeTags, "', '")+"']")

// overflowJS names the innermost elements, other than scrolling regions,
// whose content is wider than they are.
const overflowJS = `[document.body, ...document.body.querySelectorAll('*')]
	.filter(e => e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX))
	.map(e => e.outerHTML.slice(0, 100) + ' (content ' + e.scrollWidth + ' px in ' + e.clientWidth + ' px)').slice(-3)`

// narrowCellsJS lists table cells whose text runs to fewer than four
// characters a line, as Japanese does in a column squeezed to fit a phone.
const narrowCellsJS = `[...document.querySelectorAll('td, th')].filter(c => c.getClientRects().length > 0).filter(c => {
	const chars = c.textContent.replace(/\s+/g, '').length;
	if (chars < 8) return false;
	const tops = new Set(), walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const r = document.createRange(); r.selectNodeContents(n);
		for (const box of r.getClientRects()) tops.add(Math.round(box.top));
	}
	return tops.size >= 3 && chars / tops.size < 4;
}).map(c => c.clientWidth + ' px: ' + c.textContent.trim().slice(0, 24)).slice(0, 8)`

// smallChartTextJS lists the text of charts drawn smaller than 10 px, with
// its size on screen: SVG text shrinks with its picture.
const smallChartTextJS = `[...document.querySelectorAll('svg text')].filter(t => t.getClientRects().length > 0).map(t => {
	const m = t.getScreenCTM(), size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
	return {size, text: t.textContent};
}).filter(x => x.size < 9.95).map(x => x.size.toFixed(1) + ' px: ' + x.text)`

// checkAccessibility checks the page v shows: axe-core's WCAG 2.2 AA rules,
// and at a phone's width that the page reflows and chart text stays
// legible. Each problem is reported and the test goes on, so that one run
// lists them all.
func checkAccessibility(v *visitor, axe, where string, vp a11yViewport) {
	v.t.Helper()
	// DevTools evaluates the script outside the page's
	// Content-Security-Policy, which allows no such script.
	if !evaluate[bool](v, "load axe-core", axe+"\n;typeof axe === 'object'") {
		v.fatalf("%s: axe-core did not load", where)
	}
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		v.fatalf("%s: run axe-core: %v", where, err)
	}
	for _, f := range found {
		v.t.Errorf("%s at %s: %s (%s): %s\n\t%s", where, vp.name, f.ID, f.Impact, f.Help, strings.Join(f.Nodes, "\n\t"))
	}
	if !vp.phone {
		return
	}
	if wide := evaluate[int](v, "page width", `document.documentElement.scrollWidth`); wide > int(vp.width) {
		v.t.Errorf("%s at %s: the page is %d px wide and scrolls sideways; too wide: %q", where, vp.name, wide,
			evaluate[[]string](v, "wide elements", overflowJS))
	}
	if narrow := evaluate[[]string](v, "table cells", narrowCellsJS); len(narrow) > 0 {
		v.t.Errorf("%s at %s: table cells too narrow to read: %q", where, vp.name, narrow)
	}
	if small := evaluate[[]string](v, "chart text", smallChartTextJS); len(small) > 0 {
		v.t.Errorf("%s at %s: chart text smaller than 10 px: %q", where, vp.name, small)
	}
}

// sendContactMessage sends the demo's contact form as a visitor would.
func sendContactMessage(t *testing.T, browser context.Context, base, message string) {
	t.Helper()
	v := newVisitor(t, browser, base, visitorOptions{})
	v.actAsBrowser()
	v.open("/en/contact/form")
	shown := time.Now()
	v.do("fill in the form",
		chromedp.SendKeys(chromedp.ID("contact-name"), "Aoi Kawasemi"),
		chromedp.SendKeys(chromedp.ID("contact-email"), "aoi.kawasemi@example.jp"),
		chromedp.SetValue(chromedp.ID("contact-topic"), "other"),
		chromedp.SendKeys(chromedp.ID("contact-message"), message),
		chromedp.Click(chromedp.ID("contact-notice-read")),
	)
	// The form refuses what comes back faster than a person types.
	time.Sleep(time.Until(shown.Add(3200 * time.Millisecond)))
	v.submit("#contact-submit", "/en/contact/form/thanks")
}

// openFirstSubmission returns the address of the first submission the
// inbox lists.
func openFirstSubmission(s *visitor) string {
	s.t.Helper()
	s.open("/admin/inbox")
	href := evaluate[string](s, "the submission's link", `(() => {
		const a = document.querySelector('a[href^="/admin/inbox/"]'); return a ? a.getAttribute('href') : ''; })()`)
	if href == "" {
		s.fatalf("the inbox lists no submission")
	}
	return href
}

// openWithPurpose opens the submission page's content, stating a purpose.
func openWithPurpose(s *visitor, submission string) {
	s.t.Helper()
	s.do("choose a purpose", chromedp.SetValue(chromedp.ID("purpose"), "inquiry-response"))
	loadWithStatus(s, "open with a purpose", 200, submission+"/open",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action=%q] button[type=submit]`, submission+"/open"))))
}
