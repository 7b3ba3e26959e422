// Package admintest serves a console over TLS on loopback for the tests of
// the console's shell and of every capability's console section: accounts
// made directly in the store, signed-in browsers, and the audit trail to
// read back.
package admintest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// Password is the password of every account the harness creates.
const Password = "correct horse battery staple"

// Site is the site whose analytics the console shows by default.
const Site = "www.example.jp"

// Zone is the time zone the console under test counts days in.
var Zone = time.FixedZone("JST", 9*60*60)

// Start is the harness clock's first time.
var Start = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// Harness is a console served over TLS on loopback, with its stores.
type Harness struct {
	T        *testing.T
	DB       *store.DB
	Keys     *vault.Keys
	Accounts *account.Store
	Trail    *audit.Trail
	Manifest *manifest.Manifest
	Clock    *clocktest.Clock
	Console  *admin.Console
	// Mux serves the console; a section's public routes may be added.
	Mux    *http.ServeMux
	Server *httptest.Server
}

// Setup adds to the console under test: Sections returns the capabilities
// whose sections it serves, given the harness with its stores, clock and
// mux ready (the console is not yet built); Configure changes its options
// last.
type Setup struct {
	// Manifest is the manifest file; empty means testdata/manifest.yaml of
	// the test's package.
	Manifest  string
	Sections  func(h *Harness) []admin.Capability
	Configure func(*admin.Options)
}

// New starts a console on db.
func New(t *testing.T, db *store.DB, setup Setup) *Harness {
	t.Helper()
	file := setup.Manifest
	if file == "" {
		file = "testdata/manifest.yaml"
	}
	m, err := manifest.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	// Authenticator secrets are sealed with the vault's keys, as when
	// serving.
	accounts, err := account.NewStore(db, account.Options{Hash: account.HashParams{Memory: 64, Time: 1, Threads: 1}, Secrets: keys})
	if err != nil {
		t.Fatal(err)
	}
	h := &Harness{T: t, DB: db, Keys: keys, Accounts: accounts, Trail: audit.New(db), Manifest: m,
		Clock: clocktest.New(Start), Mux: http.NewServeMux()}
	opt := admin.Options{
		Location: Zone,
		Accounts: accounts, Trail: h.Trail, Templates: web.Templates,
		Manifest:         func() *manifest.Manifest { return m },
		Now:              h.Clock.Now,
		SessionIdle:      30 * time.Minute,
		SessionAbsolute:  12 * time.Hour,
		LockoutThreshold: 10,
		LockoutDuration:  15 * time.Minute,
		AddressFailures:  1000,
		AddressWindow:    15 * time.Minute,
		TOTPIssuer:       "Noren test",
	}
	if setup.Sections != nil {
		opt.Sections = setup.Sections(h)
	}
	if setup.Configure != nil {
		setup.Configure(&opt)
	}
	c, err := admin.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	c.Register(h.Mux)
	h.Console = c
	h.Server = httptest.NewTLSServer(h.Mux)
	t.Cleanup(h.Server.Close)
	return h
}

// AddUser creates an account; handlers and contractors get the
// consultation form.
func (h *Harness) AddUser(email string, role account.Role) account.User {
	h.T.Helper()
	p := account.Profile{Email: email, Role: role}
	if role.FormScoped() {
		p.Forms = []string{"consultation-form"}
	}
	if role == account.Contractor {
		p.ExpiresAt = h.Clock.Now().AddDate(0, 3, 0)
	}
	u, err := h.Accounts.Create(context.Background(), p, Password, h.Clock.Now())
	if err != nil {
		h.T.Fatal(err)
	}
	return u
}

// Browser is a client with its own cookies that does not follow redirects.
type Browser struct {
	h      *Harness
	Client *http.Client
	// CSRF is the session's form token, once signed in.
	CSRF string
}

// Browser returns a new client with no session.
func (h *Harness) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	// Server.Client returns one shared client; each browser needs its own
	// jar.
	client := new(http.Client)
	*client = *h.Server.Client()
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Browser{h: h, Client: client}
}

// SignedIn returns a browser with a fully signed-in session of u, made
// directly in the store: tests of what a role may reach need not go
// through the second factor each time.
func (h *Harness) SignedIn(u account.User) *Browser {
	h.T.Helper()
	b := h.Browser()
	id, sess, err := h.Accounts.StartSession(context.Background(), u.ID, account.StageFull, time.Hour, "127.0.0.0/24", "test", h.Clock.Now())
	if err != nil {
		h.T.Fatal(err)
	}
	base, _ := url.Parse(h.Server.URL)
	b.Client.Jar.SetCookies(base, []*http.Cookie{{Name: admin.SessionCookie, Value: id, Path: "/", Secure: true}})
	b.CSRF = sess.CSRF
	return b
}

// Response is a finished response with its body read.
type Response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

// Do sends req, in English unless it names a language.
func (b *Browser) Do(req *http.Request) Response {
	b.h.T.Helper()
	if req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", "en")
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.h.T.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return Response{Status: resp.StatusCode, Body: sb.String(), Location: resp.Header.Get("Location"), Header: resp.Header}
}

// Get fetches path.
func (b *Browser) Get(path string) Response {
	b.h.T.Helper()
	req, _ := http.NewRequest("GET", b.h.Server.URL+path, nil)
	return b.Do(req)
}

// Post sends a form, adding the session's CSRF token unless form already
// has a csrf key (set it to "" to send none).
func (b *Browser) Post(path string, form url.Values) Response {
	b.h.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.CSRF)
	}
	req, _ := http.NewRequest("POST", b.h.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// Bearer sends an API request with a token.
func (b *Browser) Bearer(method, path, token string) Response {
	b.h.T.Helper()
	req, _ := http.NewRequest(method, b.h.Server.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.Do(req)
}

// Login opens the sign-in page and posts the credentials with the page's
// form token.
func (b *Browser) Login(email, password string) Response {
	b.h.T.Helper()
	page := b.Get("/admin/login")
	if page.Status != http.StatusOK {
		b.h.T.Fatalf("sign-in page: status %d", page.Status)
	}
	return b.Post("/admin/login", url.Values{"csrf": {Field(page.Body, "csrf")}, "email": {email}, "password": {password}})
}

var hiddenInput = regexp.MustCompile(`name="(csrf|secret)" value="([^"]*)"`)

// Field returns the value of a hidden input in an HTML page.
func Field(body, name string) string {
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	return ""
}

// Entries returns the audit entries with the action, oldest first.
func (h *Harness) Entries(action string) []audit.Entry {
	h.T.Helper()
	list, err := h.Trail.List(context.Background(), audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		h.T.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}
