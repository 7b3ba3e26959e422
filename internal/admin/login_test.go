package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/totp"
)

// code returns the TOTP code for secret at the harness's time.
func code(h *admintest.Harness, secret string) string {
	key, err := totp.DecodeSecret(secret)
	if err != nil {
		h.T.Fatal(err)
	}
	return totp.Code(key, h.Clock.Now())
}

// TestTOTPSignIn walks an owner through the first sign-in with enrolment,
// then a later sign-in with a code, a replayed code and a wrong one.
func TestTOTPSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		owner := h.AddUser("owner@example.jp", account.Owner)
		b := h.Browser()

		resp := b.Login(owner.Email, admintest.Password)
		if resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login/enrol") {
			t.Fatalf("first sign-in: status %d to %q, want the enrolment page", resp.Status, resp.Location)
		}
		if got := b.Get("/admin/").Status; got != http.StatusSeeOther {
			t.Errorf("console before enrolment: status %d, want a redirect", got)
		}
		page := b.Get(resp.Location)
		if !strings.Contains(page.Body, "<svg") || !strings.Contains(page.Body, `role="img"`) {
			t.Fatal("the enrolment page shows no QR code")
		}
		secret := admintest.Field(page.Body, "secret")
		b.CSRF = admintest.Field(page.Body, "csrf")
		if resp := b.Post("/admin/login/enrol", url.Values{"secret": {secret}, "code": {"000000"}}); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("wrong enrolment code: status %d, want 422", resp.Status)
		}
		resp = b.Post("/admin/login/enrol", url.Values{"secret": {secret}, "code": {code(h, secret)}})
		if resp.Status != http.StatusSeeOther || resp.Location != "/admin/" {
			t.Fatalf("enrolment: status %d to %q", resp.Status, resp.Location)
		}
		if home := b.Get("/admin/"); home.Status != http.StatusOK || !strings.Contains(home.Body, owner.Email) {
			t.Fatalf("home after enrolment: status %d", home.Status)
		}

		// A second browser signs in with password and code.
		h.Clock.Advance(time.Minute)
		b2 := h.Browser()
		resp = b2.Login(owner.Email, admintest.Password)
		if !strings.HasPrefix(resp.Location, "/admin/login/verify") {
			t.Fatalf("second sign-in: status %d to %q, want the code page", resp.Status, resp.Location)
		}
		page = b2.Get(resp.Location)
		b2.CSRF = admintest.Field(page.Body, "csrf")
		if resp := b2.Post("/admin/login/verify", url.Values{"code": {"123456"}}); resp.Status != http.StatusUnauthorized {
			t.Errorf("wrong code: status %d, want 401", resp.Status)
		}
		code := code(h, secret)
		if resp := b2.Post("/admin/login/verify", url.Values{"code": {code}}); resp.Status != http.StatusSeeOther || resp.Location != "/admin/" {
			t.Fatalf("right code: status %d to %q", resp.Status, resp.Location)
		}

		// The same code cannot sign in a third browser.
		b3 := h.Browser()
		resp = b3.Login(owner.Email, admintest.Password)
		page = b3.Get(resp.Location)
		b3.CSRF = admintest.Field(page.Body, "csrf")
		if resp := b3.Post("/admin/login/verify", url.Values{"code": {code}}); resp.Status != http.StatusUnauthorized {
			t.Errorf("replayed code: status %d, want 401", resp.Status)
		}

		if n := len(h.Entries("login.failed")); n != 2 {
			t.Errorf("%d failed sign-ins audited, want 2 (wrong code, replayed code)", n)
		}
		logins := h.Entries("login")
		var ok int
		for _, e := range logins {
			if e.Action == "login" && e.Outcome == audit.OK {
				ok++
			}
		}
		if ok != 2 {
			t.Errorf("%d sign-ins audited, want 2", ok)
		}

		// Signing out ends the session for good. The session changed at the
		// second factor, and its token with it.
		home := b2.Get("/admin/")
		b2.CSRF = admintest.Field(home.Body, "csrf")
		if b2.CSRF == "" {
			t.Fatalf("home: status %d, no token; location %q", home.Status, home.Location)
		}
		if resp := b2.Post("/admin/logout", nil); resp.Status != http.StatusSeeOther {
			t.Errorf("sign out: status %d\n%s", resp.Status, resp.Body)
		}
		if got := b2.Get("/admin/").Status; got != http.StatusSeeOther {
			t.Errorf("after sign-out: status %d, want a redirect to sign in", got)
		}
	})
}

// TestLockout makes ten wrong passwords lock the client's network out of
// the account for the configured time, audited; every refusal, the right
// password's during the lock among them, looks like a wrong password, and
// the right password is accepted after the lock.
func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		analyst := h.AddUser("analyst@example.jp", account.Analyst)
		b := h.Browser()
		for i := 1; i <= 10; i++ {
			if resp := b.Login(analyst.Email, "wrong password "+string(rune('a'+i))); resp.Status != http.StatusUnauthorized || strings.Contains(resp.Body, "locked") {
				t.Fatalf("wrong password %d: status %d, want 401 without a word of a lock", i, resp.Status)
			}
		}
		locked := h.Entries("account.locked")
		if len(locked) != 1 || locked[0].Object != fmt.Sprintf("user:%d", analyst.ID) || locked[0].Address != loopback {
			t.Fatalf("lockout audit entries: %+v", locked)
		}
		if resp := b.Login(analyst.Email, admintest.Password); resp.Status != http.StatusUnauthorized {
			t.Errorf("right password during the lock: status %d, want 401", resp.Status)
		}
		if refused := h.Entries("login.refused"); len(refused) != 1 || refused[0].Detail["reason"] != "locked" {
			t.Errorf("login.refused entries %+v, want one for the lock", refused)
		}
		h.Clock.Advance(15*time.Minute + time.Second)
		if resp := b.Login(analyst.Email, admintest.Password); resp.Status != http.StatusSeeOther || resp.Location != "/admin/" {
			t.Errorf("right password after the lock: status %d to %q", resp.Status, resp.Location)
		}
		if n := len(h.Entries("login.failed")); n != 10 {
			t.Errorf("%d failed sign-ins audited, want 10", n)
		}
	})
}

// TestUnknownAccount checks that signing in as nobody looks like a wrong
// password and records no address typed.
func TestUnknownAccount(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	resp := h.Browser().Login("nobody@example.jp", admintest.Password)
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("unknown account: status %d, want 401", resp.Status)
	}
	for _, e := range h.Entries("login.failed") {
		if strings.Contains(e.Actor+e.Object+e.Detail["reason"], "nobody") {
			t.Errorf("the audit trail records the address typed: %+v", e)
		}
	}
}

// TestSessionTimeouts checks the idle and absolute limits and revocation.
func TestSessionTimeouts(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.AddUser("owner@example.jp", account.Owner)
	b := h.SignedIn(owner)
	if got := b.Get("/admin/").Status; got != http.StatusOK {
		t.Fatalf("fresh session: status %d", got)
	}
	h.Clock.Advance(31 * time.Minute)
	if got := b.Get("/admin/").Status; got != http.StatusSeeOther {
		t.Errorf("after 31 idle minutes: status %d, want a redirect", got)
	}

	b = h.SignedIn(owner)
	if _, err := h.Accounts.RevokeSessions(context.Background(), owner.ID, "", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := b.Get("/admin/").Status; got != http.StatusSeeOther {
		t.Errorf("revoked session: status %d, want a redirect", got)
	}
}

// TestCookieAttributes checks the session cookie's attributes.
func TestCookieAttributes(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	analyst := h.AddUser("analyst@example.jp", account.Analyst)
	b := h.Browser()
	page := b.Get("/admin/login")
	req, _ := http.NewRequest("POST", h.Server.URL+"/admin/login", strings.NewReader(url.Values{"csrf": {admintest.Field(page.Body, "csrf")}, "email": {analyst.Email}, "password": {admintest.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, line := range resp.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, admin.SessionCookie+"=") {
			continue
		}
		found = true
		for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
			if !strings.Contains(line, attr) {
				t.Errorf("session cookie lacks %s: %s", attr, line)
			}
		}
		if strings.Contains(line, "Domain=") {
			t.Errorf("session cookie has a Domain: %s", line)
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
}
