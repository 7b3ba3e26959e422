package admin

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// testPassword is the password of every account the tests create.
const testPassword = "correct horse battery staple"

// testSite is the site whose analytics the console shows by default, and
// testZone the zone it counts days in.
const testSite = "www.example.jp"

var testZone = time.FixedZone("JST", 9*60*60)

// clock is a settable time for the console under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a console served over TLS on loopback, with its stores.
type harness struct {
	t        *testing.T
	db       *store.DB
	accounts *account.Store
	trail    *audit.Trail
	records  *consent.Records
	// vault and inbox hold the contact submissions the inbox shows.
	vault *vault.Vault
	inbox *contact.Inbox
	// requests takes data-subject requests on the same mux, mailing its
	// links to requestMail.
	requests    *dsr.Handler
	requestMail *mailtest.Server
	// events is the analytics store the console reads, on db.
	events  *analytics.SQLStore
	console *Console
	// mux serves the console; tests may add handlers.
	mux   *http.ServeMux
	srv   *httptest.Server
	clock *clock
}

// newHarness starts a console on db; configure changes its options
// before it starts.
func newHarness(t *testing.T, db *store.DB, configure ...func(*Options)) *harness {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "manifest.yaml"))
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
	clk := &clock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	trail := audit.New(db)
	records, err := consent.NewRecords(db)
	if err != nil {
		t.Fatal(err)
	}
	events, err := analytics.NewSQLStore(db)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := contact.NewInbox(db, v)
	if err != nil {
		t.Fatal(err)
	}
	requestMail := mailtest.Start(t)
	requestSender, err := mail.NewSender(requestMail.Config())
	if err != nil {
		t.Fatal(err)
	}
	requests, err := dsr.New(dsr.Options{
		DB: db, Vault: v, Mailer: requestSender, Templates: web.Templates,
		Manifest: func() *manifest.Manifest { return m },
		Now:      clk.now,
		Secret:   []byte("0123456789abcdef0123456789abcdef"),
		BaseURL:  func(r *http.Request) string { return "https://" + r.Host },
		Limits:   dsr.Limits{PerAddress: 100, PerNetwork: 100, Window: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{
		Requests:       requests,
		Consent:        records,
		Inbox:          inbox,
		Analytics:      events,
		AnalyticsSites: []string{testSite, "shop.example.jp"},
		Location:       testZone,
		Accounts:       accounts, Trail: trail, Templates: web.Templates,
		Manifest:         func() *manifest.Manifest { return m },
		Now:              clk.now,
		SessionIdle:      30 * time.Minute,
		SessionAbsolute:  12 * time.Hour,
		LockoutThreshold: 10,
		LockoutDuration:  15 * time.Minute,
		AddressFailures:  1000,
		AddressWindow:    15 * time.Minute,
		TOTPIssuer:       "Noren test",
	}
	for _, f := range configure {
		f(&opt)
	}
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	requests.Register(mux)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, accounts: accounts, trail: trail, records: records, vault: v, inbox: inbox,
		requests: requests, requestMail: requestMail, events: events, console: c, mux: mux, srv: srv, clock: clk}
}

// addUser creates an account; handlers and contractors get the
// consultation form.
func (h *harness) addUser(email string, role account.Role) account.User {
	h.t.Helper()
	p := account.Profile{Email: email, Role: role}
	if role.FormScoped() {
		p.Forms = []string{"consultation-form"}
	}
	if role == account.Contractor {
		p.ExpiresAt = h.clock.now().AddDate(0, 3, 0)
	}
	u, err := h.accounts.Create(context.Background(), p, testPassword, h.clock.now())
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	h      *harness
	client *http.Client
	csrf   string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	// srv.Client returns one shared client; each browser needs its own jar.
	client := new(http.Client)
	*client = *h.srv.Client()
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{h: h, client: client}
}

// signedIn returns a browser with a fully signed-in session of u, made
// directly in the store: tests of what a role may reach need not go
// through the second factor each time.
func (h *harness) signedIn(u account.User) *browser {
	h.t.Helper()
	b := h.browser()
	id, sess, err := h.accounts.StartSession(context.Background(), u.ID, account.StageFull, time.Hour, "127.0.0.0/24", "test", h.clock.now())
	if err != nil {
		h.t.Fatal(err)
	}
	base, _ := url.Parse(h.srv.URL)
	b.client.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: id, Path: "/", Secure: true}})
	b.csrf = sess.CSRF
	return b
}

// response is a finished response with its body read.
type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) response {
	b.h.t.Helper()
	if req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", "en")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
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
	return response{status: resp.StatusCode, body: sb.String(), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) response {
	b.h.t.Helper()
	req, _ := http.NewRequest("GET", b.h.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form, adding the session's CSRF token unless form already
// has a csrf key (set it to "" to send none).
func (b *browser) post(path string, form url.Values) response {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// bearer sends an API request with a token.
func (b *browser) bearer(method, path, token string) response {
	b.h.t.Helper()
	req, _ := http.NewRequest(method, b.h.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.do(req)
}

var hiddenInput = regexp.MustCompile(`name="(csrf|secret)" value="([^"]*)"`)

// field returns the value of a hidden input in an HTML page.
func field(body, name string) string {
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	return ""
}

// entries returns the audit entries with the action, oldest first.
func (h *harness) entries(action string) []audit.Entry {
	h.t.Helper()
	list, err := h.trail.List(context.Background(), audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// addSubmission stores a submission of form as the contact form does,
// sealed in the vault, and returns it.
func (h *harness) addSubmission(form string, values map[string]string) contact.Submission {
	h.t.Helper()
	ctx := context.Background()
	data, err := json.Marshal(values)
	if err != nil {
		h.t.Fatal(err)
	}
	// The vault stamps records with the real time, so the expiry is set
	// from it rather than from the harness clock.
	expires := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	vaultID, err := h.vault.Seal(ctx, vault.Item{Kind: contact.VaultKind, Form: form, Subject: values["email"], Expires: expires, Data: data})
	if err != nil {
		h.t.Fatal(err)
	}
	m := h.console.opt.Manifest()
	id := strings.ToLower(rand.Text())
	ref := "C-2026-" + strings.ToUpper(id[:4]) + "-" + strings.ToUpper(id[4:8])
	_, err = h.db.ExecContext(ctx, `INSERT INTO contact_submissions
		(id, form, reference, created_at, vault_id, policy_version, policy_hash, lang, status, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'ja', 'new', $8)`,
		id, form, ref, h.clock.now(), vaultID, m.VersionLabel(), m.Hash(), expires)
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := h.inbox.Get(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// consultation returns the answers of a consultation-form submission.
func consultation() map[string]string {
	return map[string]string{
		"name":          "山田 花子",
		"email":         "hanako.yamada@example.jp",
		"phone":         "03-1234-5678",
		"message":       "Secret question about my child 4821",
		"accommodation": "",
	}
}

var requestLink = regexp.MustCompile(`https://[^\s]+/privacy/requests/verify\?t=[A-Za-z0-9_.-]+`)

// addRequest makes a data-subject request as the person does: it sends
// the public form, follows the link from the e-mail and confirms. It
// returns the request, verified.
func (h *harness) addRequest(kind dsr.Kind, lang, email, details string) dsr.Request {
	h.t.Helper()
	ctx := context.Background()
	before, err := h.requests.List(ctx, dsr.Filter{})
	if err != nil {
		h.t.Fatal(err)
	}
	sent := len(h.requestMail.Messages())
	client := h.srv.Client()
	form := url.Values{"kind": {string(kind)}, "email": {email}, "confirm": {"yes"}, "details": {details}}
	resp, err := client.PostForm(h.srv.URL+dsr.Path(lang), form)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("request form: status %d", resp.StatusCode)
	}
	msgs := h.requestMail.Wait(h.t, sent+1, 10*time.Second)
	link := requestLink.FindString(msgs[len(msgs)-1].Text)
	u, err := url.Parse(link)
	if link == "" || err != nil {
		h.t.Fatalf("no link in the message:\n%s", msgs[len(msgs)-1].Text)
	}
	resp, err = client.PostForm(h.srv.URL+u.Path, url.Values{"t": {u.Query().Get("t")}})
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("confirm the request: status %d", resp.StatusCode)
	}
	after, err := h.requests.List(ctx, dsr.Filter{})
	if err != nil {
		h.t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range before {
		known[r.ID] = true
	}
	for _, r := range after {
		if !known[r.ID] {
			if r.Status != dsr.Verified {
				h.t.Fatalf("after confirming, the request is %s", r.Status)
			}
			return r
		}
	}
	h.t.Fatalf("no new request among %+v", after)
	return dsr.Request{}
}
