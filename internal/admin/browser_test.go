package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/store/storetest"
)

// showsSignedIn checks that the page shows the account as signed in.
func showsSignedIn(b *admintest.Tab, email string) {
	b.T.Helper()
	if got := admintest.Value(b, "signed-in account", chromedp.Text(chromedp.CSS(".console-header__who"))); !strings.Contains(got, email) {
		b.Fatalf("the header shows %q, want %s signed in", got, email)
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
func post(b *admintest.Tab, path, body string, header map[string]string) refusal {
	b.T.Helper()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range header {
		hdr[k] = v
	}
	args, err := json.Marshal([]any{path, map[string]any{"method": "POST", "headers": hdr, "body": body, "redirect": "manual"}})
	if err != nil {
		b.T.Fatal(err)
	}
	script := `fetch(...` + string(args) + `).then(async r => {
		const doc = new DOMParser().parseFromString(await r.text(), "text/html");
		const li = doc.querySelector(".error-summary li");
		return {status: r.status, lang: doc.documentElement.lang, error: li ? li.textContent : ""};
	})`
	return admintest.Value(b, "fetch POST "+path, chromedp.Evaluate[refusal](script, chromedp.EvalAwaitPromise))
}

// TestBrowserTOTPSignIn signs an owner in through a real Chromium: the
// first sign-in enrols an authenticator from the page's secret, a later
// one asks for a code and is done with the keyboard alone; then the
// session cookie's attributes are read from the browser's cookie jar, and
// state-changing requests without the session's CSRF token are refused.
func TestBrowserTOTPSignIn(t *testing.T) {
	start := time.Now()
	h := newHarness(t, storetest.SQLite(t))
	owner := h.AddUser("owner@example.jp", account.Owner)
	analyst := h.AddUser("analyst@example.jp", account.Analyst)
	b := h.Chromium()
	t.Cleanup(func() { t.Logf("browser test ran for %v", time.Since(start).Round(time.Millisecond)) })

	// First sign-in: the password, then an authenticator is enrolled.
	b.Open("/admin/login", http.StatusOK)
	b.Load("sign in", http.StatusOK, "/admin/login/enrol",
		chromedp.SendKeys(chromedp.ID("email"), owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), admintest.Password),
		admintest.Submit("/admin/login"))
	if n := admintest.Value(b, "QR code", chromedp.Evaluate[int](`document.querySelectorAll('svg[role="img"]').length`)); n != 1 {
		b.Fatalf("%d QR codes (svg role=img) on the enrolment page, want 1", n)
	}
	secret := strings.TrimSpace(admintest.Value(b, "secret", chromedp.Text(chromedp.ID("secret"))))
	b.Load("enrol", http.StatusOK, "/admin/",
		chromedp.SendKeys(chromedp.ID("code"), code(h, secret)),
		admintest.Submit("/admin/login/enrol"))
	showsSignedIn(b, owner.Email)
	if u, err := h.Accounts.ByID(context.Background(), owner.ID); err != nil || u.TOTPSecret != secret {
		t.Fatalf("stored second factor %q (%v), want the secret the page showed, %q", u.TOTPSecret, err, secret)
	}

	// Sign out with the button, then sign in again using only the
	// keyboard: the e-mail field has the focus when the page opens, Tab
	// moves to the password, Enter sends the form, and the code page
	// puts the focus on the code.
	b.Load("sign out", http.StatusOK, "/admin/login", admintest.Submit("/admin/logout"))
	if got := admintest.Value(b, "page after sign-out", chromedp.Location()); !strings.Contains(got, "notice=signed_out") {
		b.Fatalf("after sign-out at %s, want the signed-out notice", got)
	}
	h.Clock.Advance(30 * time.Second) // the code of the enrolment's time step is used up
	b.Open("/admin/login", http.StatusOK)
	b.Focused("email")
	b.Do("type the e-mail address, then Tab", chromedp.KeyEvent(owner.Email), chromedp.KeyEvent(kb.Tab))
	b.Focused("password")
	b.Load("type the password, then Enter", http.StatusOK, "/admin/login/verify", chromedp.KeyEvent(admintest.Password+kb.Enter))
	b.Focused("code")
	b.Load("type the code, then Enter", http.StatusOK, "/admin/", chromedp.KeyEvent(code(h, secret)+kb.Enter))
	showsSignedIn(b, owner.Email)

	// The session cookie is out of the page's scripts' reach, sent only
	// over TLS, and never with a request another site starts.
	if got := admintest.Value(b, "document.cookie", chromedp.Evaluate[string](`document.cookie`)); strings.Contains(got, "noren") {
		t.Errorf("document.cookie shows the console's cookies: %q", got)
	}
	jar := admintest.Value(b, "cookie jar", cookies(b.Base.String()+"/admin/"))
	var session *network.Cookie
	for _, c := range jar {
		if c.Name == admin.SessionCookie {
			session = c
		}
	}
	switch {
	case session == nil:
		t.Errorf("no %s in the browser's cookie jar: %+v", admin.SessionCookie, jar)
	case !session.HTTPOnly || !session.Secure || session.SameSite != network.CookieSameSiteStrict ||
		session.Path != "/" || session.Domain != b.Base.Hostname() || !session.Session:
		t.Errorf("session cookie %+v, want HttpOnly, Secure, SameSite=Strict, Path=/, host-only, ending with the browser session", *session)
	}

	// Requests that change something need the session's CSRF token,
	// whether a script sends them or a form does.
	userPage := fmt.Sprintf("/admin/users/%d", analyst.ID)
	disable := userPage + "/disable"
	b.Open(userPage, http.StatusOK)
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string
	}{
		{"no token", "", nil},
		{"wrong token in the form", "csrf=" + strings.Repeat("0", 43), nil},
		{"wrong token in the header", "", map[string]string{"X-CSRF-Token": strings.Repeat("0", 43)}},
	} {
		got := post(b, disable, tc.body, tc.header)
		if got.Status != http.StatusForbidden || got.Error != i18n.T(i18n.Lang(got.Lang), "error.csrf") {
			t.Errorf("fetch POST with %s: status %d, error %q; want 403 with %q", tc.name, got.Status, got.Error, i18n.T(i18n.Lang(got.Lang), "error.csrf"))
		}
	}
	b.Do("remove the form's token", chromedp.Evaluate[chromedp.Void](
		fmt.Sprintf(`document.querySelector('form[action=%q] input[name="csrf"]').remove()`, disable)))
	b.Load("send the form without its token", http.StatusForbidden, disable, admintest.Submit(disable))
	lang := admintest.Value(b, "page language", chromedp.Evaluate[string](`document.documentElement.lang`))
	if got := admintest.Value(b, "error message", chromedp.Text(chromedp.CSS(".error-summary li"))); got != i18n.T(i18n.Lang(lang), "error.csrf") {
		b.Fatalf("error page says %q, want %q", got, i18n.T(i18n.Lang(lang), "error.csrf"))
	}
	if u, err := h.Accounts.ByID(context.Background(), analyst.ID); err != nil || !u.DisabledAt.IsZero() {
		t.Fatalf("after the refused requests the account is disabled (%v): %v", u.DisabledAt, err)
	}

	// The same form with its token is accepted, so the refusals above
	// were the token's doing.
	b.Open(userPage, http.StatusOK)
	b.Load("send the form with its token", http.StatusOK, userPage, admintest.Submit(disable))
	if u, err := h.Accounts.ByID(context.Background(), analyst.ID); err != nil || u.DisabledAt.IsZero() {
		t.Errorf("the form with its token did not disable the account (%v)", err)
	}
}
