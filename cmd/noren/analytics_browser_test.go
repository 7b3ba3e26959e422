package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/store"
)

// storedEvent is an event as the demo stored it.
type storedEvent struct{ name, path string }

// storedEvents returns the events stored in the demo's analytics database
// under dir, in the order they were written.
func storedEvents(t *testing.T, dir string) []storedEvent {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, demoAnalyticsDSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name, path FROM analytics_events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var e storedEvent
		if err := rows.Scan(&e.name, &e.path); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
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
