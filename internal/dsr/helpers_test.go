package dsr_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// start is the time every test starts at. It lies ahead so that what the
// tests seal expires after the real time the vault checks against.
var start = time.Date(2036, 11, 29, 9, 30, 0, 0, time.UTC)

// harness serves a Handler over loopback HTTP, with an outbox and a
// worker sending its mail to a real SMTP server.
type harness struct {
	t     *testing.T
	db    *store.DB
	keys  *vault.Keys
	vault *vault.Vault
	h     *dsr.Handler
	srv   *httptest.Server
	smtp  *mailtest.Server
	box   *outbox.Outbox
	// router holds, for every harness on db, whose mail goes to which
	// server.
	router *router
	// stopWorker stops the worker sending the outbox's mail.
	stopWorker func()
	clock      *clocktest.Clock
	client     *http.Client
	opt        dsr.Options
}

// tokyo is the site's time zone in the tests: deadlines are counted in
// its calendar days.
var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// parseManifest reads the manifest at path.
func parseManifest(t testing.TB, name string, data []byte) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// demoManifest is the demo's manifest: a local government, under chapter
// 5 of the APPI.
func demoManifest(t testing.TB) *manifest.Manifest {
	return parseManifest(t, "manifest.yaml", web.DemoManifest)
}

// businessManifest is testdata/business.yaml: a private business, under
// chapter 4.
func businessManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "business.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return parseManifest(t, "business.yaml", data)
}

// business serves the business manifest instead of the demo's.
func business(t testing.TB) func(*dsr.Options) {
	m := businessManifest(t)
	return func(o *dsr.Options) { o.Manifest = func() *manifest.Manifest { return m } }
}

// generous limits keep the rate limiter out of tests about other things.
var generous = dsr.Limits{PerAddress: 100, PerNetwork: 100, Window: time.Hour}

// testChrome is the chrome of the embedded templates.
func testChrome(t testing.TB) *page.Chrome {
	t.Helper()
	c, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newHarness(t *testing.T, db *store.DB, edit ...func(*dsr.Options)) *harness {
	t.Helper()
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	m := demoManifest(t)
	smtp := mailtest.Start(t)
	c := clocktest.New(start)
	r, _ := routes.LoadOrStore(db, &router{to: make(map[string]*mail.Sender), clock: clocktest.New(start), keys: keys})
	box, err := outbox.New(outbox.Options{DB: db, Keys: r.(*router).keys, Now: r.(*router).clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSender(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	opt := dsr.Options{
		DB:       db,
		Vault:    v,
		Mailer:   routedBox{box, r.(*router), sender},
		Manifest: func() *manifest.Manifest { return m },
		Chrome:   testChrome(t),
		Now:      c.Now,
		Secret:   []byte("0123456789abcdef0123456789abcdef"),
		BaseURL:  func(r *http.Request) string { return "http://" + r.Host },
		Limits:   generous,
		Location: tokyo,
	}
	for _, e := range edit {
		e(&opt)
	}
	h, err := dsr.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	// The loopback peer is a trusted proxy, so tests can come from other
	// networks with X-Forwarded-For.
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	srv := httptest.NewServer(server.ClientAddrs(trusted)(mux))
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	hs := &harness{t: t, db: db, keys: keys, vault: v, h: h, srv: srv, smtp: smtp, box: box, router: r.(*router), clock: c, client: client, opt: opt}
	hs.startWorker()
	return hs
}

// routes maps a database to the routes of the mail queued in it.
var routes sync.Map // *store.DB → *router

// router sends each message to the SMTP server of the harness that queued
// it. Harnesses on one database share its outbox, so any of their workers
// may send any harness's mail, and they share the clock the outbox's
// times are counted by and the keys that seal its messages.
type router struct {
	clock *clocktest.Clock
	keys  *vault.Keys
	mu    sync.Mutex
	to    map[string]*mail.Sender // by routeKey
}

func routeKey(m mail.Message) string { return fmt.Sprint(m.To, m.Subject, m.Text) }

// routeMailer is a worker's Mailer: it sends through the router.
type routeMailer struct{ r *router }

func (m routeMailer) Send(ctx context.Context, msg mail.Message) error {
	m.r.mu.Lock()
	s := m.r.to[routeKey(msg)]
	m.r.mu.Unlock()
	return s.Send(ctx, msg)
}

// routedBox is the Mailer a harness gives its handler: it queues in the
// outbox and notes the harness's server as the message's route.
type routedBox struct {
	box    *outbox.Outbox
	r      *router
	sender *mail.Sender
}

func (b routedBox) Enqueue(ctx context.Context, tx *store.Tx, m mail.Message) (string, error) {
	b.r.mu.Lock()
	b.r.to[routeKey(m)] = b.sender
	b.r.mu.Unlock()
	return b.box.Enqueue(ctx, tx, m)
}

// settle waits until the workers have tried every message queued: each
// is sent, or failed and waits for its next attempt.
func (hs *harness) settle() {
	hs.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := hs.box.List(context.Background(), outbox.Pending, 100)
		if err != nil {
			hs.t.Fatal(err)
		}
		settled := true
		for _, e := range pending {
			settled = settled && e.Attempts > 0 && e.LeasedUntil.IsZero()
		}
		if settled {
			return
		}
		if time.Now().After(deadline) {
			hs.t.Fatalf("the outbox's messages are not all tried: %+v", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startWorker starts a worker sending the outbox's mail, polling often so
// that tests wait little.
func (hs *harness) startWorker() {
	hs.t.Helper()
	w, err := hs.box.NewWorker(outbox.WorkerOptions{Mailer: routeMailer{hs.router}, Interval: 5 * time.Millisecond})
	if err != nil {
		hs.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	hs.stopWorker = sync.OnceFunc(func() {
		cancel()
		<-done
	})
	hs.t.Cleanup(hs.stopWorker)
}

// manifest is the manifest the handler serves.
func (hs *harness) manifest() *manifest.Manifest { return hs.opt.Manifest() }

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   string
}

func (hs *harness) do(req *http.Request) response {
	hs.t.Helper()
	resp, err := hs.client.Do(req)
	if err != nil {
		hs.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		hs.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

func (hs *harness) get(path string) response {
	hs.t.Helper()
	req, err := http.NewRequest(http.MethodGet, hs.srv.URL+path, nil)
	if err != nil {
		hs.t.Fatal(err)
	}
	return hs.do(req)
}

// post sends body as a form to path, from the client address from ("" for
// the loopback peer itself).
func (hs *harness) post(path, body, from string) response {
	hs.t.Helper()
	req, err := http.NewRequest(http.MethodPost, hs.srv.URL+path, strings.NewReader(body))
	if err != nil {
		hs.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	return hs.do(req)
}

// Who the tests' requester is, and what they ask about, as a public
// body's form asks: a business's form has no such fields and ignores them.
const (
	requesterName    = "港 太郎"
	requesterAddress = "みなとベイ市港町1-2-3"
	requestTarget    = "2036年10月に市民相談窓口へ送信した問合せの記録"
	// cessationReason is the 趣旨及び理由 of a cessation.
	cessationReason = "消去を求めます。利用目的の達成に必要な範囲を超えて保有されているためです。"
)

// form is a request form, complete but for details: what to correct, or
// for a public body the 趣旨及び理由 a correction and a cessation require.
func form(kind dsr.Kind, email, details string) string {
	v := url.Values{"kind": {string(kind)}, "email": {email}, "confirm": {"yes"},
		"name": {requesterName}, "address": {requesterAddress}, "target": {requestTarget}}
	if details != "" {
		v.Set("details", details)
	}
	return v.Encode()
}

// submit sends a complete request and checks that it was taken.
func (hs *harness) submit(lang string, kind dsr.Kind, email, details string) {
	hs.t.Helper()
	resp := hs.post(dsr.Path(lang), form(kind, email, details), "")
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != dsr.Path(lang)+"?sent=1" {
		hs.t.Fatalf("POST %s: %d %s, want 303 to ?sent=1\n%s", dsr.Path(lang), resp.status, resp.header.Get("Location"), resp.body)
	}
}

var linkPattern = regexp.MustCompile(`http://[^\s]+/privacy/requests/verify\?t=[A-Za-z0-9_.-]+`)

// link waits for the n-th message and returns it with the link in it, as
// a path and query on the test server.
func (hs *harness) link(n int) (mailtest.Message, string) {
	hs.t.Helper()
	msgs := hs.smtp.Wait(hs.t, n, 10*time.Second)
	msg := msgs[n-1]
	found := linkPattern.FindString(msg.Text)
	if found == "" {
		hs.t.Fatalf("no link in the message:\n%s", msg.Text)
	}
	u, err := url.Parse(found)
	if err != nil {
		hs.t.Fatal(err)
	}
	if "http://"+u.Host != hs.srv.URL {
		hs.t.Fatalf("link to %s, want the site %s", u.Host, hs.srv.URL)
	}
	return msg, u.RequestURI()
}

// confirm follows link as the person does: open it, press the button.
func (hs *harness) confirm(link string) response {
	hs.t.Helper()
	page := hs.get(link)
	if page.status != http.StatusOK {
		hs.t.Fatalf("GET %s: %d\n%s", link, page.status, page.body)
	}
	u, _ := url.Parse(link)
	return hs.post(u.Path, url.Values{"t": {u.Query().Get("t")}}.Encode(), "")
}

// verified makes a request as the person does, through the form, the mail
// and the button, and returns it as stored. Other harnesses may share
// the database: the request is the one that was not there before.
func (hs *harness) verified(lang string, kind dsr.Kind, email, details string) dsr.Request {
	hs.t.Helper()
	before, err := hs.h.List(context.Background(), dsr.Filter{Limit: 1000})
	if err != nil {
		hs.t.Fatal(err)
	}
	// Mail queued before, such as an earlier receipt, goes out first.
	hs.settle()
	n := len(hs.smtp.Messages()) + 1
	hs.submit(lang, kind, email, details)
	_, link := hs.link(n)
	if resp := hs.confirm(link); resp.status != http.StatusOK {
		hs.t.Fatalf("confirm: %d\n%s", resp.status, resp.body)
	}
	// The receipt follows the link before anything else is sent.
	hs.smtp.Wait(hs.t, n+1, 10*time.Second)
	after, err := hs.h.List(context.Background(), dsr.Filter{Limit: 1000})
	if err != nil {
		hs.t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range before {
		known[r.ID] = true
	}
	for _, r := range after {
		if !known[r.ID] {
			return r
		}
	}
	hs.t.Fatalf("no new request among %d", len(after))
	return dsr.Request{}
}

// seal stores a record about email, as a form would.
func (hs *harness) seal(form, email, data string) string {
	hs.t.Helper()
	id, err := hs.vault.Seal(context.Background(), vault.Item{
		Kind: "contact", Form: form, Subject: email, Expires: start.Add(365 * 24 * time.Hour), Data: []byte(data),
	})
	if err != nil {
		hs.t.Fatal(err)
	}
	return id
}

// only returns the one request stored, failing if there are others.
func (hs *harness) only() dsr.Request {
	hs.t.Helper()
	list, err := hs.h.List(context.Background(), dsr.Filter{})
	if err != nil {
		hs.t.Fatal(err)
	}
	if len(list) != 1 {
		hs.t.Fatalf("%d requests stored, want 1: %+v", len(list), list)
	}
	return list[0]
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}
