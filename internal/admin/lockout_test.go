package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/totp"
)

// loopback is the masked network of the tests' browsers.
const loopback = "127.0.0.0/24"

// behindProxy serves the console again behind a trusted proxy, so that
// browserFrom can give each browser an address of its own.
func behindProxy(h *admintest.Harness) {
	h.T.Helper()
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	srv := httptest.NewTLSServer(server.ClientAddrs(trusted)(h.Mux))
	h.T.Cleanup(srv.Close)
	h.Server = srv
}

// browserFrom is a browser whose requests the proxy says come from addr.
func browserFrom(h *admintest.Harness, addr string) *admintest.Browser {
	b := h.Browser()
	next := b.Client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	b.Client.Transport = forwardedFor{addr: addr, next: next}
	return b
}

type forwardedFor struct {
	addr string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(r)
}

// TestLockoutPerNetwork checks that failures lock out the network they
// come from and no other: someone guessing from elsewhere cannot lock the
// real person out. The lock keeps the masked network, not the address.
func TestLockoutPerNetwork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		behindProxy(h)
		analyst := h.AddUser("analyst@example.jp", account.Analyst)
		attacker := browserFrom(h, "203.0.113.7")
		for i := range 10 {
			if resp := attacker.Login(analyst.Email, "guess number "+string(rune('a'+i))); resp.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: status %d, want 401", i+1, resp.Status)
			}
		}
		if resp := attacker.Login(analyst.Email, admintest.Password); resp.Status != http.StatusUnauthorized {
			t.Errorf("the right password from the locked network: status %d, want 401", resp.Status)
		}
		if locked := h.Entries("account.locked"); len(locked) != 1 || locked[0].Address != "203.0.113.0/24" {
			t.Errorf("account.locked entries %+v, want one for 203.0.113.0/24", locked)
		}
		for _, from := range []string{"198.51.100.9", "2001:db8::5"} {
			if resp := browserFrom(h, from).Login(analyst.Email, admintest.Password); resp.Status != http.StatusSeeOther || resp.Location != "/admin/" {
				t.Errorf("the person from %s during the lock: status %d to %q, want signed in", from, resp.Status, resp.Location)
			}
		}
		if resp := attacker.Login(analyst.Email, admintest.Password); resp.Status != http.StatusUnauthorized {
			t.Errorf("the person's sign-in elsewhere lifted the lock: status %d", resp.Status)
		}

		rows, err := db.QueryContext(context.Background(), "SELECT network FROM admin_login_failures")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var networks []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			networks = append(networks, n)
		}
		if !slices.Equal(networks, []string{"203.0.113.0/24"}) {
			t.Errorf("stored networks %q, want only the masked network of the failures", networks)
		}

		// An owner lifts the lock early.
		owner := h.AddUser("owner@example.jp", account.Owner)
		if resp := h.SignedIn(owner).Post("/admin/users/"+strconv.FormatInt(analyst.ID, 10)+"/unlock", nil); resp.Status != http.StatusSeeOther {
			t.Fatalf("unlock: status %d", resp.Status)
		}
		if resp := attacker.Login(analyst.Email, admintest.Password); resp.Status != http.StatusSeeOther {
			t.Errorf("after the unlock: status %d, want signed in", resp.Status)
		}
	})
}

// loginRefusal is a sign-in refused for one reason.
type loginRefusal struct {
	name, email, password string
}

// TestLoginRefusalsAlike checks that every way a sign-in is refused gives
// the same answer: status, words, language (the browser's, not the
// account's) and time. Times are compared by their medians over several
// tries with argon2 costly enough to dominate, and a generous margin (a
// factor of three; an answer that skips the hash is ten times faster).
func TestLoginRefusalsAlike(t *testing.T) {
	db := storetest.SQLite(t)
	heavy, err := account.NewStore(db, account.Options{Hash: account.HashParams{Memory: 16 * 1024, Time: 2, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, db, func(o *admin.Options) { o.Accounts = heavy; o.LockoutThreshold = 1000 })
	ctx := context.Background()
	real, err := heavy.Create(ctx, account.Profile{Email: "analyst@example.jp", Role: account.Analyst}, admintest.Password, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	locked, err := heavy.Create(ctx, account.Profile{Email: "locked@example.jp", Role: account.Analyst}, admintest.Password, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []account.User{real, locked} {
		if err := heavy.SetLang(ctx, u.ID, "ja"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := heavy.RecordFailure(ctx, locked.ID, loopback, 1, time.Hour, h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	refusals := []loginRefusal{
		{"unknown address", "nobody@example.jp", "a wrong password, surely"},
		{"wrong password", real.Email, "a wrong password, surely"},
		{"over-long password", real.Email, strings.Repeat("a", 1025)},
		{"over-long right password", real.Email, admintest.Password + strings.Repeat(" ", 1025)},
		{"unknown address, over-long", "nobody@example.jp", strings.Repeat("a", 1025)},
		{"locked network, right password", locked.Email, admintest.Password},
		{"locked network, wrong password", locked.Email, "a wrong password, surely"},
	}
	b := h.Browser()
	page := b.Get("/admin/login")
	csrf := admintest.Field(page.Body, "csrf")
	try := func(rf loginRefusal) admintest.Response {
		t.Helper()
		return b.Post("/admin/login", url.Values{"csrf": {csrf}, "email": {rf.email}, "password": {rf.password}})
	}
	want := strings.ReplaceAll(try(refusals[0]).Body, refusals[0].email, "EMAIL")
	if !strings.Contains(want, i18n.T(i18n.English, "login.wrong")) {
		t.Fatalf("the refusal is not in the browser's language:\n%s", want)
	}
	// The refusals take turns, so that a change in the machine's load
	// weighs on all alike.
	const tries = 7
	times := map[string][]time.Duration{}
	for range tries {
		for _, rf := range refusals {
			start := time.Now()
			resp := try(rf)
			times[rf.name] = append(times[rf.name], time.Since(start))
			if resp.Status != http.StatusUnauthorized {
				t.Fatalf("%s: status %d, want 401", rf.name, resp.Status)
			}
			if got := strings.ReplaceAll(resp.Body, rf.email, "EMAIL"); got != want {
				t.Fatalf("%s: the page differs from an unknown address's:\n%s", rf.name, got)
			}
		}
	}
	medians := map[string]time.Duration{}
	for name, ts := range times {
		slices.Sort(ts)
		medians[name] = ts[tries/2]
	}
	base := medians["unknown address"]
	for name, m := range medians {
		if ratio := float64(m) / float64(base); ratio < 1.0/3 || ratio > 3 {
			t.Errorf("%s: median %v against %v for an unknown address (ratio %.2f)", name, m, base, ratio)
		}
	}
	if entries := h.Entries("login.refused"); len(entries) != tries*2 {
		t.Errorf("%d login.refused entries, want %d: the refusals of the locked network are on record", len(entries), tries*2)
	}
}

// TestReauthFailuresEndSession checks that wrong current passwords on the
// account page count like failed sign-ins: each is audited, and at the
// threshold the session ends and the network is locked out, whichever
// form they were sent from.
func TestReauthFailuresEndSession(t *testing.T) {
	key, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	newSecret := totp.EncodeSecret(key)
	forms := []struct {
		name, path string
		form       url.Values
		action     string
	}{
		{"change password", "/admin/account/password", url.Values{"current": {"a wrong password"}, "new": {"a brand new passphrase"}, "again": {"a brand new passphrase"}}, "password.change"},
		{"remove the authenticator", "/admin/account/totp/remove", url.Values{"password": {"a wrong password"}}, "totp.removed"},
		{"change the authenticator", "/admin/account/totp", url.Values{"password": {"a wrong password"}, "secret": {newSecret}, "code": {"123456"}}, "totp.enrolled"},
		{"remove a passkey", "/admin/account/passkeys/remove", url.Values{"password": {"a wrong password"}}, "passkey.removed"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, f := range forms {
			t.Run(f.name, func(t *testing.T) {
				ctx := context.Background()
				h := newHarness(t, db)
				// An analyst needs no second factor, so removing one is up
				// to the password alone.
				u := h.AddUser(strings.ReplaceAll(f.action, ".", "-")+"@example.jp", account.Analyst)
				if err := h.Accounts.SetTOTP(ctx, u.ID, "KRSXG5CTMVRXEZLU"); err != nil {
					t.Fatal(err)
				}
				key, err := h.Accounts.AddPasskey(ctx, account.Passkey{UserID: u.ID, CredentialID: []byte("credential-" + f.action),
					PublicKey: []byte("key"), Name: "laptop"}, "passkey", h.Clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				form := func() url.Values {
					v := url.Values{}
					for k, vs := range f.form {
						v[k] = slices.Clone(vs)
					}
					v.Set("id", strconv.FormatInt(key.ID, 10))
					return v
				}
				b := h.SignedIn(u)
				for i := 1; i < 10; i++ {
					if resp := b.Post(f.path, form()); resp.Status != http.StatusUnprocessableEntity {
						t.Fatalf("wrong password %d: status %d, want 422", i, resp.Status)
					}
				}
				resp := b.Post(f.path, form())
				if resp.Status != http.StatusSeeOther || resp.Location != "/admin/login?notice=locked" {
					t.Fatalf("tenth wrong password: status %d to %q, want the sign-in page", resp.Status, resp.Location)
				}
				if got := b.Get("/admin/account"); got.Status != http.StatusSeeOther {
					t.Errorf("the session after the tenth: status %d, want it ended", got.Status)
				}
				// The subtests share the database, and so the audit trail.
				mine := func(action string) []audit.Entry {
					var out []audit.Entry
					for _, e := range h.Entries(action) {
						if e.Object == fmt.Sprintf("user:%d", u.ID) {
							out = append(out, e)
						}
					}
					return out
				}
				failed := 0
				for _, e := range mine(f.action) {
					if e.Outcome == audit.Failed && e.Detail["reason"] == "wrong current password" {
						failed++
					}
				}
				if failed != 10 {
					t.Errorf("%d %s failures audited, want 10", failed, f.action)
				}
				if locked := mine("account.locked"); len(locked) != 1 || locked[0].Detail["after"] != "wrong current passwords" {
					t.Errorf("account.locked entries %+v", locked)
				}
				ended := mine("session.revoke")
				if len(ended) != 1 || ended[0].Detail["reason"] != "wrong current passwords" {
					t.Errorf("session.revoke entries %+v, want the end of the session", ended)
				}
				if resp := h.Browser().Login(u.Email, admintest.Password); resp.Status != http.StatusUnauthorized {
					t.Errorf("sign-in from the locked network: status %d, want 401", resp.Status)
				}
				// Another session from the same network cannot go on guessing.
				other := h.SignedIn(u)
				if resp := other.Post(f.path, form()); resp.Status != http.StatusSeeOther || resp.Location != "/admin/login?notice=locked" {
					t.Errorf("another session of the locked network: status %d to %q, want it ended", resp.Status, resp.Location)
				}
				if got, err := h.Accounts.ByID(ctx, u.ID); err != nil || !got.HasTOTP() || got.PasswordChangedAt.After(u.PasswordChangedAt) {
					t.Errorf("the account changed under wrong passwords: %+v, %v", got, err)
				}
			})
		}
	})
}
