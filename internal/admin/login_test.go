package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/totp"
)

// startLogin opens the sign-in page and posts the credentials.
func (b *browser) login(email, password string) response {
	b.h.t.Helper()
	page := b.get("/admin/login")
	if page.status != http.StatusOK {
		b.h.t.Fatalf("sign-in page: status %d", page.status)
	}
	return b.post("/admin/login", url.Values{"csrf": {field(page.body, "csrf")}, "email": {email}, "password": {password}})
}

// code returns the TOTP code for secret at the harness's time.
func (h *harness) code(secret string) string {
	key, err := totp.DecodeSecret(secret)
	if err != nil {
		h.t.Fatal(err)
	}
	return totp.Code(key, h.clock.now())
}

// TestTOTPSignIn walks an owner through the first sign-in with enrolment,
// then a later sign-in with a code, a replayed code and a wrong one.
func TestTOTPSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		owner := h.addUser("owner@example.jp", account.Owner)
		b := h.browser()

		resp := b.login(owner.Email, testPassword)
		if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.location, "/admin/login/enrol") {
			t.Fatalf("first sign-in: status %d to %q, want the enrolment page", resp.status, resp.location)
		}
		if got := b.get("/admin/").status; got != http.StatusSeeOther {
			t.Errorf("console before enrolment: status %d, want a redirect", got)
		}
		page := b.get(resp.location)
		if !strings.Contains(page.body, "<svg") || !strings.Contains(page.body, `role="img"`) {
			t.Fatal("the enrolment page shows no QR code")
		}
		secret := field(page.body, "secret")
		b.csrf = field(page.body, "csrf")
		if resp := b.post("/admin/login/enrol", url.Values{"secret": {secret}, "code": {"000000"}}); resp.status != http.StatusUnprocessableEntity {
			t.Errorf("wrong enrolment code: status %d, want 422", resp.status)
		}
		resp = b.post("/admin/login/enrol", url.Values{"secret": {secret}, "code": {h.code(secret)}})
		if resp.status != http.StatusSeeOther || resp.location != "/admin/" {
			t.Fatalf("enrolment: status %d to %q", resp.status, resp.location)
		}
		if home := b.get("/admin/"); home.status != http.StatusOK || !strings.Contains(home.body, owner.Email) {
			t.Fatalf("home after enrolment: status %d", home.status)
		}

		// A second browser signs in with password and code.
		h.clock.advance(time.Minute)
		b2 := h.browser()
		resp = b2.login(owner.Email, testPassword)
		if !strings.HasPrefix(resp.location, "/admin/login/verify") {
			t.Fatalf("second sign-in: status %d to %q, want the code page", resp.status, resp.location)
		}
		page = b2.get(resp.location)
		b2.csrf = field(page.body, "csrf")
		if resp := b2.post("/admin/login/verify", url.Values{"code": {"123456"}}); resp.status != http.StatusUnauthorized {
			t.Errorf("wrong code: status %d, want 401", resp.status)
		}
		code := h.code(secret)
		if resp := b2.post("/admin/login/verify", url.Values{"code": {code}}); resp.status != http.StatusSeeOther || resp.location != "/admin/" {
			t.Fatalf("right code: status %d to %q", resp.status, resp.location)
		}

		// The same code cannot sign in a third browser.
		b3 := h.browser()
		resp = b3.login(owner.Email, testPassword)
		page = b3.get(resp.location)
		b3.csrf = field(page.body, "csrf")
		if resp := b3.post("/admin/login/verify", url.Values{"code": {code}}); resp.status != http.StatusUnauthorized {
			t.Errorf("replayed code: status %d, want 401", resp.status)
		}

		if n := len(h.entries("login.failed")); n != 2 {
			t.Errorf("%d failed sign-ins audited, want 2 (wrong code, replayed code)", n)
		}
		logins := h.entries("login")
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
		home := b2.get("/admin/")
		b2.csrf = field(home.body, "csrf")
		if b2.csrf == "" {
			t.Fatalf("home: status %d, no token; location %q", home.status, home.location)
		}
		if resp := b2.post("/admin/logout", nil); resp.status != http.StatusSeeOther {
			t.Errorf("sign out: status %d\n%s", resp.status, resp.body)
		}
		if got := b2.get("/admin/").status; got != http.StatusSeeOther {
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
		analyst := h.addUser("analyst@example.jp", account.Analyst)
		b := h.browser()
		for i := 1; i <= 10; i++ {
			if resp := b.login(analyst.Email, "wrong password "+string(rune('a'+i))); resp.status != http.StatusUnauthorized || strings.Contains(resp.body, "locked") {
				t.Fatalf("wrong password %d: status %d, want 401 without a word of a lock", i, resp.status)
			}
		}
		locked := h.entries("account.locked")
		if len(locked) != 1 || locked[0].Object != userObject(analyst.ID) || locked[0].Address != loopback {
			t.Fatalf("lockout audit entries: %+v", locked)
		}
		if resp := b.login(analyst.Email, testPassword); resp.status != http.StatusUnauthorized {
			t.Errorf("right password during the lock: status %d, want 401", resp.status)
		}
		if refused := h.entries("login.refused"); len(refused) != 1 || refused[0].Detail["reason"] != "locked" {
			t.Errorf("login.refused entries %+v, want one for the lock", refused)
		}
		h.clock.advance(15*time.Minute + time.Second)
		if resp := b.login(analyst.Email, testPassword); resp.status != http.StatusSeeOther || resp.location != "/admin/" {
			t.Errorf("right password after the lock: status %d to %q", resp.status, resp.location)
		}
		if n := len(h.entries("login.failed")); n != 10 {
			t.Errorf("%d failed sign-ins audited, want 10", n)
		}
	})
}

// TestUnknownAccount checks that signing in as nobody looks like a wrong
// password and records no address typed.
func TestUnknownAccount(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	resp := h.browser().login("nobody@example.jp", testPassword)
	if resp.status != http.StatusUnauthorized {
		t.Errorf("unknown account: status %d, want 401", resp.status)
	}
	for _, e := range h.entries("login.failed") {
		if strings.Contains(e.Actor+e.Object+e.Detail["reason"], "nobody") {
			t.Errorf("the audit trail records the address typed: %+v", e)
		}
	}
}

// TestSessionTimeouts checks the idle and absolute limits and revocation.
func TestSessionTimeouts(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.addUser("owner@example.jp", account.Owner)
	b := h.signedIn(owner)
	if got := b.get("/admin/").status; got != http.StatusOK {
		t.Fatalf("fresh session: status %d", got)
	}
	h.clock.advance(31 * time.Minute)
	if got := b.get("/admin/").status; got != http.StatusSeeOther {
		t.Errorf("after 31 idle minutes: status %d, want a redirect", got)
	}

	b = h.signedIn(owner)
	if _, err := h.accounts.RevokeSessions(context.Background(), owner.ID, "", h.clock.now()); err != nil {
		t.Fatal(err)
	}
	if got := b.get("/admin/").status; got != http.StatusSeeOther {
		t.Errorf("revoked session: status %d, want a redirect", got)
	}
}

// TestCookieAttributes checks the session cookie's attributes.
func TestCookieAttributes(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	analyst := h.addUser("analyst@example.jp", account.Analyst)
	b := h.browser()
	page := b.get("/admin/login")
	req, _ := http.NewRequest("POST", h.srv.URL+"/admin/login", strings.NewReader(url.Values{"csrf": {field(page.body, "csrf")}, "email": {analyst.Email}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, line := range resp.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, sessionCookie+"=") {
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
