package main

import (
	"context"
	"database/sql"
	"maps"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
)

// storedEvent is an event as the demo stored it.
type storedEvent struct{ name, path string }

// storedEvents returns the events stored in the demo's analytics database
// under dir, in the order they were written.
func storedEvents(t *testing.T, dir string) []storedEvent {
	var out []storedEvent
	eachStoredRow(t, dir, "SELECT name, path FROM analytics_events ORDER BY id", func(rows *sql.Rows) error {
		var e storedEvent
		err := rows.Scan(&e.name, &e.path)
		out = append(out, e)
		return err
	})
	return out
}

// waitForEvents waits until the page has sent n events to the collector
// since the first mark requests.
func (v *visitor) waitForEvents(mark, n int) {
	v.t.Helper()
	deadline := time.Now().Add(browserStep)
	for {
		got := 0
		for _, u := range v.sent()[mark:] {
			if p, err := url.Parse(u); err == nil && strings.HasPrefix(p.Path, "/api/event") {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			v.fatalf("%d requests to the collector, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// actAsBrowser gives v an ordinary Chrome's user agent: the collector
// takes headless Chrome for a crawler and does not count it.
func (v *visitor) actAsBrowser() {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua}); err != nil {
		v.t.Fatalf("set the user agent: %v", err)
	}
}

// TestAnalyticsBrowser counts visitors of the demo in Chromium: page
// views, a single-page-app navigation, a 404 page and a custom event from
// a visitor with JavaScript, and a page view through the pixel from one
// without; the events stored are exactly those.
func TestAnalyticsBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")

	v := newVisitor(t, browser, p.url, visitorOptions{})
	v.actAsBrowser()
	v.open(demoHome)
	v.waitForEvents(0, 1)
	mark := len(v.sent())
	evaluate[bool](v, "navigate within the page", `history.pushState({}, '', '/en/spa-view'), true`)
	v.waitForEvents(mark, 1)
	mark = len(v.sent())
	evaluate[bool](v, "send a custom event", `noren('Newsletter', {props: {plan: 'monthly'}}), true`)
	v.waitForEvents(mark, 1)
	mark = len(v.sent())
	v.do("open a missing page", chromedp.Navigate(p.url+"/en/no-such-page"))
	// A 404 page sends its pageview and the 404 event.
	v.waitForEvents(mark, 2)

	quiet := newVisitor(t, browser, p.url, visitorOptions{noScript: true})
	quiet.actAsBrowser()
	mark = len(quiet.sent())
	quiet.open("/en/team/")
	quiet.waitForEvents(mark, 1)

	stop(t, p, syscall.SIGTERM)
	var got []string
	for _, e := range storedEvents(t, dir) {
		got = append(got, e.name+" "+e.path)
	}
	slices.Sort(got)
	want := []string{
		"404 /en/no-such-page",
		"Newsletter /en/spa-view",
		"pageview /en/",
		"pageview /en/no-such-page",
		"pageview /en/spa-view",
		"pageview /en/team/",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stored events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// trackerHeld is true while the page holds Noren's tracker back, as the
// consent script leaves it when the visitor's choice refuses it.
const trackerHeld = `!!document.querySelector('script[type="text/plain"][data-noren-tool="noren-analytics"]')`

// TestStatisticsSwitchedOffBrowser visits the demo in Chromium: the
// statistics count a visitor before any choice; once the visitor switches
// them off, on the banner or in the preference centre, the tracker no
// longer runs and no event of theirs is stored, and a visitor sending
// Global Privacy Control is never counted.
func TestStatisticsSwitchedOffBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")

	for _, tc := range []struct {
		name, page string
		refuse     func(v *visitor, page string)
	}{
		{"banner", "/en/team/", func(v *visitor, page string) {
			v.check("the banner says the statistics are on until refused",
				`document.querySelector('.noren-banner').textContent.includes('The “Statistics” category, however, is on until you refuse it.')`)
			// What already ran cannot be stopped, so the refusal reloads.
			v.reload("Reject all", rejectAllButton, page)
		}},
		{"preference centre", demoArticle, func(v *visitor, page string) {
			v.click("Customise", customiseButton)
			v.waitFor("the preference centre opens", focusInDialog)
			v.check("statistics are on before a choice", `document.querySelector('dialog.noren-pc input[data-c="statistics"]').checked &&
				document.querySelector('dialog.noren-pc input[data-t="noren-analytics"]').checked`)
			v.click("untick statistics", `dialog.noren-pc input[data-c="statistics"]`)
			v.check("the tool follows its category", `!document.querySelector('dialog.noren-pc input[data-t="noren-analytics"]').checked`)
			v.reload("Save", `dialog.noren-pc .noren-btns button:nth-child(3)`, page)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVisitor(t, browser, p.url, visitorOptions{})
			v.actAsBrowser()
			v.open(tc.page)
			v.waitForEvents(0, 1)
			v.check("the tracker ran before any choice", "!"+trackerHeld)
			tc.refuse(v, tc.page)
			c := v.mustCookie()
			wantDecisions(t, "statistics", map[string]bool{"statistics": c.categories["statistics"], "noren-analytics": c.tools["noren-analytics"]},
				map[string]bool{"statistics": false, "noren-analytics": false})
			v.check("the reloaded page holds the tracker back", trackerHeld)
			mark := len(v.sent())
			v.open(demoNews)
			v.check("the next page holds the tracker back", trackerHeld)
			v.do("give a tracker time to send", chromedp.Sleep(500*time.Millisecond))
			for _, u := range v.sent()[mark:] {
				if strings.Contains(u, "/api/event") {
					v.fatalf("the page sent %s after statistics were switched off", u)
				}
			}
		})
	}

	t.Run("Global Privacy Control", func(t *testing.T) {
		v := newVisitor(t, browser, p.url, visitorOptions{gpcHeader: true})
		v.actAsBrowser()
		mark := len(v.sent())
		v.open(demoHome)
		v.check("the tracker is held back", trackerHeld)
		v.check("the banner does not say the statistics are on", `!document.querySelector('.noren-banner').textContent.includes('is on until you refuse it')`)
		v.do("give a tracker time to send", chromedp.Sleep(500*time.Millisecond))
		for _, u := range v.sent()[mark:] {
			if strings.Contains(u, "/api/event") {
				v.fatalf("the page sent %s under GPC", u)
			}
		}
	})

	stop(t, p, syscall.SIGTERM)
	got := storedPaths(t, dir)
	want := map[string]int{"/en/team/": 1, demoArticle: 1}
	if !maps.Equal(got, want) {
		t.Errorf("stored pageviews %v, want %v: one for each visitor's first page, before the refusal", got, want)
	}
}
