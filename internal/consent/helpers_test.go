package consent_test

import (
	"context"
	"crypto/tls"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// clock is the time every test runs at.
var clock = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)

// siteYAML is testdata/site.yaml, a manifest with a tool in every kind of
// cookie category.
func siteYAML(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseManifest(t testing.TB, name, src string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func siteManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	return parseManifest(t, "site.yaml", siteYAML(t))
}

// edit returns src with old replaced by new once, failing when old is not
// there.
func edit(t testing.TB, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("edit: %q not found", old)
	}
	return strings.Replace(src, old, new, 1)
}

// vimeoTool is one more embedded-content tool, for manifests that add one.
const vimeoTool = `  - id: vimeo
    name: {ja: Vimeo 動画, en: Vimeo videos}
    kind: embed
    party: third
    recipient: {ja: Vimeo.com Inc., en: Vimeo.com Inc.}
    category: embeds
    information_sent: {ja: 動画を含むページのアドレス, en: the address of the page with the video}
    purpose: {ja: 動画を再生するため, en: to play videos}
    opt_out: https://vimeo.com/privacy
consent:`

// counterTool is a first-party tool in the built-in statistics category,
// which nothing of the site manifest belongs to otherwise.
const counterTool = `  - id: visit-counter
    name: {ja: 閲覧数の集計, en: Visit counter}
    kind: analytics
    party: first
    category: statistics
    information_sent: {ja: 閲覧したページのアドレス, en: the address of the page viewed}
    purpose: {ja: 閲覧数を数えるため, en: to count page views}
consent:`

// chatCategory is one more cookie category, which nothing belongs to;
// chatCookie is a cookie in it, for the tool whose category line it
// follows.
const (
	chatCategory = `  - id: chat
    name: {ja: チャット, en: Chat}
    description: {ja: 問い合わせ用のチャット, en: A chat for questions}
`
	chatCookie = `    cookies:
      - name: chat_open
        duration: 1d
        category: chat
        description: {ja: チャット欄の開閉を記憶します。, en: remembers whether the chat is open.}
`
)

// harness serves a Handler over a ServeMux, as the server does.
type harness struct {
	m    *manifest.Manifest
	db   *store.DB
	recs *consent.Records
	mux  *http.ServeMux
	now  time.Time
}

func newHarness(t testing.TB, db *store.DB, m *manifest.Manifest) *harness {
	t.Helper()
	recs, err := consent.NewRecords(db)
	if err != nil {
		t.Fatal(err)
	}
	chrome, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{m: m, db: db, recs: recs, mux: http.NewServeMux(), now: clock}
	h, err := consent.NewHandler(consent.Options{
		Manifest: func() *manifest.Manifest { return hs.m },
		Records:  recs,
		Chrome:   chrome,
		Now:      func() time.Time { return hs.now },
		// The site's zone, in which the page tells when a choice was made.
		Location: time.FixedZone("JST", 9*60*60),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Register(hs.mux)
	return hs
}

// sqliteHarness is a harness on a fresh SQLite database with the site
// manifest.
func sqliteHarness(t testing.TB) *harness {
	t.Helper()
	return newHarness(t, storetest.SQLite(t), siteManifest(t))
}

// response is a finished exchange with its body read.
type response struct {
	*http.Response
	body string
}

func (hs *harness) do(t testing.TB, r *http.Request) response {
	t.Helper()
	w := httptest.NewRecorder()
	hs.mux.ServeHTTP(w, r)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res, string(b)}
}

// apiRequest is a same-origin POST /api/consent with body.
func apiRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://kosodate.example.jp/api/consent", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

// formRequest is a same-origin POST of the choices form in lang, as the
// page rendered under m posts it.
func formRequest(m *manifest.Manifest, lang string, form url.Values) *http.Request {
	form = maps.Clone(form)
	form.Set("consent_version", consent.Version(m))
	return postForm(lang, form)
}

// postForm is a same-origin POST of form to the choices page in lang,
// with nothing added.
func postForm(lang string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://kosodate.example.jp/"+lang+"/privacy/choices", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

// withCookie adds a noren_consent cookie to r.
func withCookie(r *http.Request, value string) *http.Request {
	r.AddCookie(&http.Cookie{Name: consent.CookieName, Value: value})
	return r
}

// consentCookie returns the noren_consent cookie res sets.
func consentCookie(t testing.TB, res response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == consent.CookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie set; status %d, body %s", consent.CookieName, res.StatusCode, res.body)
	return nil
}

// choiceOf parses the cookie res sets.
func choiceOf(t testing.TB, res response) consent.Choice {
	t.Helper()
	c, err := consent.ParseCookie(consentCookie(t, res).Value)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cookieFor writes a cookie holding the given decisions, made at given
// under m.
func cookieFor(m *manifest.Manifest, given time.Time, cats, tools map[string]bool) string {
	return consent.Choice{
		Receipt:    "AAAAAAAAAAAAAAAAAAAAAA",
		Given:      given,
		Version:    consent.Version(m),
		Policy:     m.ShortHash(),
		Categories: cats,
		Tools:      tools,
	}.CookieValue()
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", "golden", name), got)
}

// mustGet reads the record of a receipt.
func mustGet(t testing.TB, recs *consent.Records, receipt string) consent.Record {
	t.Helper()
	rec, err := recs.Get(context.Background(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// tlsState marks a request as received over TLS.
func tlsState() *tls.ConnectionState { return &tls.ConnectionState{HandshakeComplete: true} }

// eachStartTag calls fn with every start tag of an HTML page, down into
// the markup of <noscript> elements, which the tokenizer sees as text.
func eachStartTag(page string, fn func(tok html.Token)) {
	z := html.NewTokenizer(strings.NewReader(page))
	noscript := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		inNoscript := noscript
		noscript = false
		switch tt {
		case html.TextToken:
			if inNoscript {
				eachStartTag(tok.Data, fn)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			noscript = tok.Data == "noscript"
			fn(tok)
		}
	}
}
