package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/testenv"
)

// fleet is two consoles on one database, each with connections of its own
// as two processes have, behind one address that sends each request to
// the instance the test names, as a load balancer without affinity may.
type fleet struct {
	a, b *admintest.Harness
	// front is a harness whose server is the shared address; its stores
	// are a's.
	front *admintest.Harness
	to    atomic.Pointer[admintest.Harness]
}

// fleetDialect is PostgreSQL when a server is given or required, as a
// fleet runs on, and SQLite otherwise.
func fleetDialect() store.Dialect {
	if os.Getenv(storetest.EnvPostgres) != "" || testenv.Required(storetest.EnvRequirePostgres) {
		return store.Postgres
	}
	return store.SQLite
}

// openShared opens the database at dsn as one more instance would.
func openShared(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// newFleet starts two consoles on one fresh database; configure changes
// the options of both, given the instance's own database handle.
func newFleet(t *testing.T, configure func(*admin.Options, *store.DB)) *fleet {
	t.Helper()
	dsn := storetest.FreshDSN(t, fleetDialect())
	instance := func() *admintest.Harness {
		db := openShared(t, dsn)
		return newHarness(t, db, func(o *admin.Options) { configure(o, db) })
	}
	f := &fleet{a: instance(), b: instance()}
	f.to.Store(f.a)
	front := *f.a
	front.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.to.Load().Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Server.Close)
	f.front = &front
	return f
}

// on sends the requests that follow to instance h.
func (f *fleet) on(h *admintest.Harness) { f.to.Store(h) }

// TestFleetPasskeySignIn begins passkey ceremonies on one instance and
// finishes them on the other, and replays the answer on the first.
func TestFleetPasskeySignIn(t *testing.T) {
	f := newFleet(t, func(o *admin.Options, _ *store.DB) { o.WebAuthnRPID = "localhost" })
	u, err := url.Parse(f.front.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &pkHarness{Harness: f.front, host: "localhost:" + u.Port()}
	owner := f.a.AddUser("owner@example.jp", account.Owner)
	key := p.authenticator(true)

	// Registering: begun on A, finished on B.
	b := p.SignedIn(owner)
	f.on(f.a)
	begin := p.call(b, "/admin/account/passkeys/begin", b.CSRF, map[string]string{"name": "laptop", "password": admintest.Password})
	if begin.Status != http.StatusOK {
		t.Fatalf("begin registration on A: status %d\n%s", begin.Status, begin.Body)
	}
	f.on(f.b)
	if resp := p.call(b, "/admin/account/passkeys/finish", b.CSRF, key.create(begin.Body)); resp.Status != http.StatusOK {
		t.Fatalf("finish registration on B: status %d\n%s", resp.Status, resp.Body)
	}

	// Signing in without a password: begun on A, finished on B.
	anon := p.Browser()
	f.on(f.a)
	csrf := admintest.Field(p.page(anon, "/admin/login").Body, "csrf")
	begin = p.call(anon, "/admin/login/passkey/begin", csrf, map[string]string{"next": "/admin/account"})
	if begin.Status != http.StatusOK {
		t.Fatalf("begin passkey sign-in on A: status %d\n%s", begin.Status, begin.Body)
	}
	signed := key.get(begin.Body)
	// A copy of the browser as it was before the answer, sign-in cookie
	// and all, to replay it.
	replay := p.Browser()
	replay.Client.Jar.SetCookies(u, copyCookies(anon.Client.Jar.Cookies(u)))
	f.on(f.b)
	resp := p.call(anon, "/admin/login/passkey/finish", csrf, signed)
	if resp.Status != http.StatusOK || answer(t, resp).Redirect != "/admin/account" {
		t.Fatalf("finish passkey sign-in on B: status %d\n%s", resp.Status, resp.Body)
	}
	f.on(f.a)
	if home := anon.Get("/admin/"); home.Status != http.StatusOK {
		t.Errorf("the session opened on B, on A: status %d", home.Status)
	}
	if !auditHas(f.a, "login", audit.OK, map[string]string{"method": "passkey", "passkey": "laptop"}) {
		t.Error("the sign-in finished on B is not in the shared trail")
	}

	// The same answer again, on A: the ceremony was taken on B.
	resp = p.call(replay, "/admin/login/passkey/finish", csrf, signed)
	if resp.Status != http.StatusBadRequest || answer(t, resp).Error != i18n.T(i18n.English, "passkey.expired") {
		t.Errorf("the answer replayed on A: status %d\n%s", resp.Status, resp.Body)
	}
	if home := replay.Get("/admin/"); home.Status == http.StatusOK {
		t.Error("the replayed answer opened a session")
	}
}

// copyCookies returns cookies a jar handed out, made fit to set in
// another jar for the console's address.
func copyCookies(in []*http.Cookie) []*http.Cookie {
	out := make([]*http.Cookie, len(in))
	for i, c := range in {
		out[i] = &http.Cookie{Name: c.Name, Value: c.Value, Path: "/", Secure: true}
	}
	return out
}

// TestFleetLockout alternates wrong passwords between the instances: the
// lock counts them all and holds on both.
func TestFleetLockout(t *testing.T) {
	f := newFleet(t, func(*admin.Options, *store.DB) {})
	analyst := f.a.AddUser("analyst@example.jp", account.Analyst)
	b := f.front.Browser()
	for i := range 10 { // the harness's LockoutThreshold
		f.on([]*admintest.Harness{f.a, f.b}[i%2])
		if resp := b.Login(analyst.Email, "guess number "+string(rune('a'+i))); resp.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, resp.Status)
		}
	}
	for _, h := range []*admintest.Harness{f.a, f.b} {
		f.on(h)
		if resp := b.Login(analyst.Email, admintest.Password); resp.Status != http.StatusUnauthorized {
			t.Errorf("the right password from the locked network: status %d, want 401", resp.Status)
		}
	}
	if locked := f.a.Entries("account.locked"); len(locked) != 1 || locked[0].Address != loopback {
		t.Errorf("account.locked entries %+v, want one for %s", locked, loopback)
	}
}

// TestFleetThrottle alternates failed sign-ins between the instances: the
// throttle of the network counts them together.
func TestFleetThrottle(t *testing.T) {
	const budget = 4
	f := newFleet(t, func(o *admin.Options, db *store.DB) {
		shared, err := ratelimit.NewShared(db)
		if err != nil {
			t.Fatal(err)
		}
		o.AddressFailures, o.RateLimits = budget, shared
	})
	for i := range budget + 1 {
		f.on([]*admintest.Harness{f.a, f.b}[i%2])
		want := http.StatusUnauthorized
		if i == budget {
			want = http.StatusTooManyRequests
		}
		if resp := f.front.Browser().Login("nobody@example.jp", "guess"); resp.Status != want {
			t.Errorf("failure %d: status %d, want %d", i+1, resp.Status, want)
		}
	}
	f.on(f.a)
	if resp := f.front.Browser().Login("nobody@example.jp", "guess"); resp.Status != http.StatusTooManyRequests {
		t.Errorf("on A after the budget: status %d, want 429", resp.Status)
	}
}
