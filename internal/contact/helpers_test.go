package contact

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// testSecret signs the challenges of every test.
var testSecret = bytes.Repeat([]byte("k"), 32)

// testDifficulty keeps the proof of work of tests cheap.
const testDifficulty = 8

func loadManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// notes records the notifications a handler sends.
type notes struct {
	mu   sync.Mutex
	list []Notification
	err  error
}

func (n *notes) NewSubmission(_ context.Context, x Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, x)
	return n.err
}

func (n *notes) all() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notification(nil), n.list...)
}

// harness serves a Handler on loopback, as the server does.
type harness struct {
	t      testing.TB
	m      *manifest.Manifest
	db     *store.DB
	vault  *vault.Vault
	h      *Handler
	srv    *httptest.Server
	mux    *http.ServeMux
	clock  *clocktest.Clock
	notes  *notes
	logs   *bytes.Buffer
	client *http.Client
	// from, if set, is the client address posts claim through
	// X-Forwarded-For, which the harness trusts from loopback.
	from string
}

// testChrome is the chrome of the embedded templates.
func testChrome(t testing.TB) *page.Chrome {
	t.Helper()
	c, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newHarness(t testing.TB, db *store.DB, change ...func(*Options)) *harness {
	t.Helper()
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	// The clock starts now so that the vault, which stamps records with the
	// real time, accepts the expiry times derived from it.
	hs := &harness{t: t, m: loadManifest(t), db: db, vault: v,
		clock: clocktest.New(time.Now().UTC().Truncate(time.Second)), notes: &notes{}, logs: new(bytes.Buffer)}
	opt := Options{
		DB:         db,
		Vault:      v,
		Manifest:   func() *manifest.Manifest { return hs.m },
		Chrome:     testChrome(t),
		Logger:     slog.New(slog.NewTextHandler(&lockedWriter{w: hs.logs}, nil)),
		Now:        hs.clock.Now,
		Notifier:   hs.notes,
		Secret:     testSecret,
		Difficulty: testDifficulty,
		ConsoleURL: func(ref string) string { return "https://console.example/admin/contact/" + ref },
	}
	for _, c := range change {
		c(&opt)
	}
	if hs.h, err = New(opt); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	hs.mux = mux
	hs.h.Register(mux)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	hs.srv = httptest.NewServer(server.ClientAddrs(loopback)(mux))
	t.Cleanup(hs.srv.Close)
	hs.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return hs
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

func (hs *harness) do(req *http.Request) response {
	hs.t.Helper()
	res, err := hs.client.Do(req)
	if err != nil {
		hs.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		hs.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (hs *harness) get(path string) response {
	hs.t.Helper()
	req, err := http.NewRequest(http.MethodGet, hs.srv.URL+path, nil)
	if err != nil {
		hs.t.Fatal(err)
	}
	return hs.do(req)
}

// post sends form, from hs.from if set.
func (hs *harness) post(path string, form url.Values) response {
	hs.t.Helper()
	req, err := http.NewRequest(http.MethodPost, hs.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		hs.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if hs.from != "" {
		req.Header.Set("X-Forwarded-For", hs.from)
	}
	return hs.do(req)
}

var challengePattern = regexp.MustCompile(`name="challenge" value="([^"]+)"`)

// challenge returns the challenge of a page.
func challengeOf(t testing.TB, body string) string {
	t.Helper()
	m := challengePattern.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no challenge in the page:\n%s", body)
	}
	return m[1]
}

// goodForm returns a complete, valid form for the test manifest.
func goodForm() url.Values {
	return url.Values{
		"f_name":         {"山田 花子"},
		"f_email":        {"hanako.yamada@example.jp"},
		"f_phone":        {"03-1234-5678"},
		"f_organisation": {"Bay Robotics"},
		"f_topic":        {"programme"},
		"f_message":      {"Could we meet next week?\r\nThank you."},
		"notice_read":    {"yes"},
	}
}

// fill opens the form page in lang, waits past the minimum fill time, and
// returns form completed with the page's challenge and, if pow, its proof
// of work.
func (hs *harness) fill(lang string, form url.Values, pow bool) url.Values {
	hs.t.Helper()
	page := hs.get("/" + lang + "/contact")
	if page.status != http.StatusOK {
		hs.t.Fatalf("GET form: %d", page.status)
	}
	token := challengeOf(hs.t, page.body)
	hs.clock.Advance(5 * time.Second)
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	out.Set(tokenInput, token)
	if pow {
		out.Set(powInput, solve(token, testDifficulty))
	}
	return out
}

// solve finds the smallest counter that solves token, as contact.js does.
func solve(token string, difficulty int) string {
	for i := 0; ; i++ {
		if c := strconv.Itoa(i); solves(token, c, difficulty) {
			return c
		}
	}
}

// count returns the number of rows in a table.
func (hs *harness) count(table string) int {
	hs.t.Helper()
	var n int
	if err := hs.db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		hs.t.Fatal(err)
	}
	return n
}

// checkGolden compares got with testdata/golden/name, or rewrites it under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
}
