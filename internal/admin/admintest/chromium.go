package admintest

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/browsertest"
)

// StepTimeout bounds each browser step, so that a page that never answers
// fails the test instead of hanging it.
const StepTimeout = 60 * time.Second

// Tab is a Chromium tab on a console. Every step has a deadline, and
// every failure shows the page the browser was on.
//
// The harness serves over TLS, and the browser is told to trust exactly
// its test certificate. Chromium would also keep the console's __Host-
// cookies over plain HTTP on 127.0.0.1, which it counts as a secure
// origin, but TLS is what the console runs behind in use, and so the
// tests do not lean on that exception.
type Tab struct {
	T   *testing.T
	Ctx context.Context
	// Base is the address the console is reached at.
	Base *url.URL
}

// Chromium opens a tab on the harness's server; without a browser on the
// machine the test is skipped (see package browsertest).
func (h *Harness) Chromium() *Tab {
	h.T.Helper()
	base, err := url.Parse(h.Server.URL)
	if err != nil {
		h.T.Fatal(err)
	}
	return &Tab{T: h.T, Ctx: browsertest.New(h.T, h.Server.Certificate()), Base: base}
}

// Fatalf fails the test with the address and HTML of the current page.
func (b *Tab) Fatalf(format string, args ...any) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	where, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		where = "(unknown: " + err.Error() + ")"
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		html = "(no HTML: " + err.Error() + ")"
	}
	b.T.Fatalf(format+"\n--- page %s ---\n%s", append(args, where, html)...)
}

// Do runs actions that load no new page.
func (b *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Fatalf("%s: %v", what, err)
	}
}

// Value runs an action that returns a value.
func Value[T any](b *Tab, what string, action chromedp.Action[T]) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
	return v
}

// Load runs actions that load a page (a navigation, a form sent) and
// checks that the page that finally loaded, after any redirects, has the
// status and path.
func (b *Tab) Load(what string, status int64, path string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
	u, err := url.Parse(resp.URL)
	if err != nil {
		b.Fatalf("%s: page address %q: %v", what, resp.URL, err)
	}
	if resp.Status != status || u.Host != b.Base.Host || u.Path != path {
		b.Fatalf("%s: status %d at %s, want %d at %s", what, resp.Status, resp.URL, status, path)
	}
}

// Open navigates to path and checks the status of the page it ends on
// there.
func (b *Tab) Open(path string, status int64) {
	b.T.Helper()
	b.Load("open "+path, status, path, chromedp.Navigate(b.Base.String()+path))
}

// Submit clicks the submit button of the form posting to action.
func Submit(action string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action=%q] button[type=submit]`, action)))
}

// Focused checks which element has the keyboard focus. Autofocus is
// applied once the page has loaded, which on a busy machine may come a
// little after the load event, so the check waits for it a while.
func (b *Tab) Focused(id string) {
	b.T.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := Value(b, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if got == id {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("focus is on %q, want #%s", got, id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SignIn gives the tab a fully signed-in session of u, made directly in
// the store, as Harness.SignedIn does.
func (b *Tab) SignIn(h *Harness, u account.User) {
	b.T.Helper()
	id, _, err := h.Accounts.StartSession(context.Background(), u.ID, account.StageFull, time.Hour, "127.0.0.0/24", "test", h.Clock.Now())
	if err != nil {
		b.T.Fatal(err)
	}
	yes := true
	b.Do("sign in with a session cookie", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: admin.SessionCookie, Value: id, URL: b.Base.String() + "/", Path: "/", Secure: &yes, HTTPOnly: &yes,
		})
		return chromedp.Void{}, err
	}))
}
