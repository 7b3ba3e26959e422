package dsr_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
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

// harness serves a Handler over loopback HTTP, with a real SMTP server to
// take its mail.
type harness struct {
	t      *testing.T
	db     *store.DB
	keys   *vault.Keys
	vault  *vault.Vault
	h      *dsr.Handler
	srv    *httptest.Server
	smtp   *mailtest.Server
	clock  *clocktest.Clock
	client *http.Client
	opt    dsr.Options
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
	sender, err := mail.NewSender(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	c := clocktest.New(start)
	opt := dsr.Options{
		DB:       db,
		Vault:    v,
		Mailer:   sender,
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
	return &harness{t: t, db: db, keys: keys, vault: v, h: h, srv: srv, smtp: smtp, clock: c, client: client, opt: opt}
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
	n := len(hs.smtp.Messages()) + 1
	hs.submit(lang, kind, email, details)
	_, link := hs.link(n)
	if resp := hs.confirm(link); resp.status != http.StatusOK {
		hs.t.Fatalf("confirm: %d\n%s", resp.status, resp.body)
	}
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
