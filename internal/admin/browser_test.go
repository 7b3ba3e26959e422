package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/store/storetest"
)

// stepTimeout bounds each browser step, so that a page that never
// answers fails the test instead of hanging it.
const stepTimeout = 60 * time.Second

// tab is a Chromium tab on the harness's console. Every step has a
// deadline, and every failure shows the page the browser was on.
//
// The harness serves over TLS, and the browser is told to trust exactly
// its test certificate. Chromium would also keep the console's __Host-
// cookies over plain HTTP on 127.0.0.1, which it counts as a secure
// origin, but TLS is what the console runs behind in use, and so the
// test does not lean on that exception.
type tab struct {
	t    *testing.T
	h    *harness
	ctx  context.Context
	base *url.URL
}

func (h *harness) chromium() *tab {
	h.t.Helper()
	base, err := url.Parse(h.srv.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	return &tab{t: h.t, h: h, ctx: browsertest.New(h.t, h.srv.Certificate()), base: base}
}

// fatalf fails the test with the address and HTML of the current page.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	where, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		where = "(unknown: " + err.Error() + ")"
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		html = "(no HTML: " + err.Error() + ")"
	}
	b.t.Fatalf(format+"\n--- page %s ---\n%s", append(args, where, html)...)
}

// do runs actions that load no new page.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// value runs an action that returns a value.
func value[T any](b *tab, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.fatalf("%s: %v", what, err)
	}
	return v
}

// load runs actions that load a page (a navigation, a form sent) and
// checks that the page that finally loaded, after any redirects, has the
// status and path.
func (b *tab) load(what string, status int64, path string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.fatalf("%s: %v", what, err)
	}
	u, err := url.Parse(resp.URL)
	if err != nil {
		b.fatalf("%s: page address %q: %v", what, resp.URL, err)
	}
	if resp.Status != status || u.Host != b.base.Host || u.Path != path {
		b.fatalf("%s: status %d at %s, want %d at %s", what, resp.Status, resp.URL, status, path)
	}
}

func (b *tab) open(path string, status int64) {
	b.t.Helper()
	b.load("open "+path, status, path, chromedp.Navigate(b.base.String()+path))
}

// submit clicks the submit button of the form posting to action.
func submit(action string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action=%q] button[type=submit]`, action)))
}

// focused checks which element has the keyboard focus. Autofocus is
// applied once the page has loaded, which on a busy machine may come a
// little after the load event, so the check waits for it a while.
func (b *tab) focused(id string) {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := value(b, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if got == id {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("focus is on %q, want #%s", got, id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signedInAs checks that the page shows the account as signed in.
func (b *tab) signedInAs(email string) {
	b.t.Helper()
	if got := value(b, "signed-in account", chromedp.Text(chromedp.CSS(".console-header__who"))); !strings.Contains(got, email) {
		b.fatalf("the header shows %q, want %s signed in", got, email)
	}
}

// cookies returns the cookies the browser would send to url.
func cookies(url string) chromedp.Action[[]*network.Cookie] {
	return func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
		return res.Cookies, err
	}
}

// refusal is what a script's POST got back.
type refusal struct {
	Status int    `json:"status"`
	Lang   string `json:"lang"`
	Error  string `json:"error"`
}

// post sends a form with fetch() from the page, as a script injected into
// it could, and reads the console's error message from the answer.
func (b *tab) post(path, body string, header map[string]string) refusal {
	b.t.Helper()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range header {
		hdr[k] = v
	}
	args, err := json.Marshal([]any{path, map[string]any{"method": "POST", "headers": hdr, "body": body, "redirect": "manual"}})
	if err != nil {
		b.t.Fatal(err)
	}
	script := `fetch(...` + string(args) + `).then(async r => {
		const doc = new DOMParser().parseFromString(await r.text(), "text/html");
		const li = doc.querySelector(".error-summary li");
		return {status: r.status, lang: doc.documentElement.lang, error: li ? li.textContent : ""};
	})`
	return value(b, "fetch POST "+path, chromedp.Evaluate[refusal](script, chromedp.EvalAwaitPromise))
}

// TestBrowserTOTPSignIn signs an owner in through a real Chromium: the
// first sign-in enrols an authenticator from the page's secret, a later
// one asks for a code and is done with the keyboard alone; then the
// session cookie's attributes are read from the browser's cookie jar, and
// state-changing requests without the session's CSRF token are refused.
func TestBrowserTOTPSignIn(t *testing.T) {
	start := time.Now()
	h := newHarness(t, storetest.SQLite(t))
	owner := h.addUser("owner@example.jp", account.Owner)
	analyst := h.addUser("analyst@example.jp", account.Analyst)
	b := h.chromium()
	t.Cleanup(func() { t.Logf("browser test ran for %v", time.Since(start).Round(time.Millisecond)) })

	// First sign-in: the password, then an authenticator is enrolled.
	b.open("/admin/login", http.StatusOK)
	b.load("sign in", http.StatusOK, "/admin/login/enrol",
		chromedp.SendKeys(chromedp.ID("email"), owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		submit("/admin/login"))
	if n := value(b, "QR code", chromedp.Evaluate[int](`document.querySelectorAll('svg[role="img"]').length`)); n != 1 {
		b.fatalf("%d QR codes (svg role=img) on the enrolment page, want 1", n)
	}
	secret := strings.TrimSpace(value(b, "secret", chromedp.Text(chromedp.ID("secret"))))
	b.load("enrol", http.StatusOK, "/admin/",
		chromedp.SendKeys(chromedp.ID("code"), h.code(secret)),
		submit("/admin/login/enrol"))
	b.signedInAs(owner.Email)
	if u, err := h.accounts.ByID(context.Background(), owner.ID); err != nil || u.TOTPSecret != secret {
		t.Fatalf("stored second factor %q (%v), want the secret the page showed, %q", u.TOTPSecret, err, secret)
	}

	// Sign out with the button, then sign in again using only the
	// keyboard: the e-mail field has the focus when the page opens, Tab
	// moves to the password, Enter sends the form, and the code page
	// puts the focus on the code.
	b.load("sign out", http.StatusOK, "/admin/login", submit("/admin/logout"))
	if got := value(b, "page after sign-out", chromedp.Location()); !strings.Contains(got, "notice=signed_out") {
		b.fatalf("after sign-out at %s, want the signed-out notice", got)
	}
	h.clock.advance(30 * time.Second) // the code of the enrolment's time step is used up
	b.open("/admin/login", http.StatusOK)
	b.focused("email")
	b.do("type the e-mail address, then Tab", chromedp.KeyEvent(owner.Email), chromedp.KeyEvent(kb.Tab))
	b.focused("password")
	b.load("type the password, then Enter", http.StatusOK, "/admin/login/verify", chromedp.KeyEvent(testPassword+kb.Enter))
	b.focused("code")
	b.load("type the code, then Enter", http.StatusOK, "/admin/", chromedp.KeyEvent(h.code(secret)+kb.Enter))
	b.signedInAs(owner.Email)

	// The session cookie is out of the page's scripts' reach, sent only
	// over TLS, and never with a request another site starts.
	if got := value(b, "document.cookie", chromedp.Evaluate[string](`document.cookie`)); strings.Contains(got, "noren") {
		t.Errorf("document.cookie shows the console's cookies: %q", got)
	}
	jar := value(b, "cookie jar", cookies(b.base.String()+"/admin/"))
	var session *network.Cookie
	for _, c := range jar {
		if c.Name == sessionCookie {
			session = c
		}
	}
	switch {
	case session == nil:
		t.Errorf("no %s in the browser's cookie jar: %+v", sessionCookie, jar)
	case !session.HTTPOnly || !session.Secure || session.SameSite != network.CookieSameSiteStrict ||
		session.Path != "/" || session.Domain != b.base.Hostname() || !session.Session:
		t.Errorf("session cookie %+v, want HttpOnly, Secure, SameSite=Strict, Path=/, host-only, ending with the browser session", *session)
	}

	// Requests that change something need the session's CSRF token,
	// whether a script sends them or a form does.
	userPage := fmt.Sprintf("/admin/users/%d", analyst.ID)
	disable := userPage + "/disable"
	b.open(userPage, http.StatusOK)
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string
	}{
		{"no token", "", nil},
		{"wrong token in the form", "csrf=" + strings.Repeat("0", 43), nil},
		{"wrong token in the header", "", map[string]string{"X-CSRF-Token": strings.Repeat("0", 43)}},
	} {
		got := b.post(disable, tc.body, tc.header)
		if got.Status != http.StatusForbidden || got.Error != translate(got.Lang, "error.csrf") {
			t.Errorf("fetch POST with %s: status %d, error %q; want 403 with %q", tc.name, got.Status, got.Error, translate(got.Lang, "error.csrf"))
		}
	}
	b.do("remove the form's token", chromedp.Evaluate[chromedp.Void](
		fmt.Sprintf(`document.querySelector('form[action=%q] input[name="csrf"]').remove()`, disable)))
	b.load("send the form without its token", http.StatusForbidden, disable, submit(disable))
	lang := value(b, "page language", chromedp.Evaluate[string](`document.documentElement.lang`))
	if got := value(b, "error message", chromedp.Text(chromedp.CSS(".error-summary li"))); got != translate(lang, "error.csrf") {
		b.fatalf("error page says %q, want %q", got, translate(lang, "error.csrf"))
	}
	if u, err := h.accounts.ByID(context.Background(), analyst.ID); err != nil || !u.DisabledAt.IsZero() {
		t.Fatalf("after the refused requests the account is disabled (%v): %v", u.DisabledAt, err)
	}

	// The same form with its token is accepted, so the refusals above
	// were the token's doing.
	b.open(userPage, http.StatusOK)
	b.load("send the form with its token", http.StatusOK, userPage, submit(disable))
	if u, err := h.accounts.ByID(context.Background(), analyst.ID); err != nil || u.DisabledAt.IsZero() {
		t.Errorf("the form with its token did not disable the account (%v)", err)
	}
}
