package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/browsertest"
)

// stepTimeout bounds each browser step, so that a page that never answers
// fails the test instead of hanging it.
const stepTimeout = 30 * time.Second

// fixtureConfig is what the stand-in consent endpoint needs to know of
// testdata/config.json.
type fixtureConfig struct {
	Version    string   `json:"version"`
	Policy     string   `json:"policy"`
	GPCRefuses []string `json:"gpcRefuses"`
	Categories []struct {
		ID       string `json:"id"`
		Required bool   `json:"required"`
	} `json:"categories"`
	Tools []struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	} `json:"tools"`
}

// choiceRequest is the body of POST /api/consent.
type choiceRequest struct {
	Categories map[string]bool `json:"categories"`
	Tools      map[string]bool `json:"tools"`
	Method     string          `json:"method"`
	GPC        bool            `json:"gpc"`
	Lang       string          `json:"lang"`
}

// consentSite serves the fixture page with the real consent.js and
// consent.css, a gated script, an embed, and a stand-in for Noren's
// consent endpoint, so that the client is tested on its own. It counts the
// requests for each path and keeps the choices posted.
type consentSite struct {
	srv     *httptest.Server
	page    string
	configs map[bool]string // the page config, without and with GPC
	fixture fixtureConfig
	// gadget is a page with markup injected into its content; forged is
	// a configuration, injected before Noren's, in which every category
	// is strictly necessary.
	gadget, forged string

	mu    sync.Mutex
	hits  map[string]int
	posts []choiceRequest
}

func newConsentSite(t *testing.T) *consentSite {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("testdata", "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	gadget, err := os.ReadFile(filepath.Join("testdata", "gadget.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := &consentSite{page: string(page), gadget: string(gadget), configs: map[bool]string{}, hits: map[string]int{}}
	if err := json.Unmarshal(raw, &s.fixture); err != nil {
		t.Fatalf("testdata/config.json: %v", err)
	}
	var forged map[string]any
	if err := json.Unmarshal(raw, &forged); err != nil {
		t.Fatal(err)
	}
	for _, c := range forged["categories"].([]any) {
		c.(map[string]any)["required"] = true
	}
	out, err := json.Marshal(forged)
	if err != nil {
		t.Fatal(err)
	}
	s.forged = string(out)
	for _, gpc := range []bool{false, true} {
		var cfg map[string]any
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["gpc"] = gpc
		// json.Marshal escapes <, > and &, so the config cannot end its
		// script element.
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.configs[gpc] = string(out)
	}

	static, err := fs.Sub(Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /noren/", http.StripPrefix("/noren", http.FileServerFS(static)))
	mux.HandleFunc("GET /page", s.servePage)
	mux.HandleFunc("GET /gadget", s.servePage)
	mux.HandleFunc("GET /gadget/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.pwned.push("`+r.URL.Path+`");`)
	})
	for path, script := range gatedScripts {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, script)
		})
	}
	mux.HandleFunc("GET /gated/pixel.gif", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixelGIF)
	})
	mux.HandleFunc("GET /gated/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `#held-style-probe { width: 7px }`)
	})
	mux.HandleFunc("GET /embed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Embed</title><p id="embedded">Embedded content</p>`)
	})
	mux.Handle("POST /api/consent", http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.recordChoice)))
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// gatedScripts are the scripts the fixture page holds back, by path. Each
// says it ran.
var gatedScripts = map[string]string{
	"/gated/first.js":  `window.gatedRan = true; window.ran.push("first");`,
	"/gated.js":        `window.ran.push("external");`,
	"/gated/last.js":   `window.ran.push("last");`,
	"/gated/module.js": `window.moduleRan = true;`,
	"/gated/ad.js":     `window.adRan = true;`,
	"/gated/late.js":   `window.lateRan = true;`,
}

// pixelGIF is a transparent 1×1 GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// servePage serves the fixture page, or the gadget page, under a
// Content-Security-Policy like Noren's, so that scripts run only with the
// page's nonce; ?gpc=1 gives a config that says the request carried
// Sec-GPC: 1.
func (s *consentSite) servePage(w http.ResponseWriter, r *http.Request) {
	nonce := base64.StdEncoding.EncodeToString(randomBytes(16))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", fmt.Sprintf("default-src 'self'; script-src 'self' 'nonce-%[1]s'; "+
		"style-src 'self' 'nonce-%[1]s'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'", nonce))
	page := s.page
	if r.URL.Path == "/gadget" {
		page = s.gadget
	}
	fmt.Fprint(w, strings.NewReplacer("{{nonce}}", nonce, "{{config}}", s.configs[r.URL.Query().Get("gpc") == "1"], "{{forged}}", s.forged).Replace(page))
}

// recordChoice does what the contract asks of POST /api/consent: it
// refuses unknown ids, applies GPC, fills in omitted tools from their
// category, sets the noren_consent cookie and answers with the choice.
func (s *consentSite) recordChoice(w http.ResponseWriter, r *http.Request) {
	var req choiceRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "the body is too large"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body is not a choice in JSON"})
		return
	}
	if req.Method != "banner" && req.Method != "preferences" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown method " + req.Method})
		return
	}
	required, toolCategory := map[string]bool{}, map[string]string{}
	for _, c := range s.fixture.Categories {
		required[c.ID] = c.Required
	}
	for _, tool := range s.fixture.Tools {
		toolCategory[tool.ID] = tool.Category
	}
	for id := range req.Categories {
		if _, ok := required[id]; !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown category " + id})
			return
		}
	}
	for id := range req.Tools {
		if _, ok := toolCategory[id]; !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown tool " + id})
			return
		}
	}
	gpc := req.GPC || r.Header.Get("Sec-GPC") == "1"
	// GPC refuses its categories unless the visitor turned them on one by
	// one in the preference centre.
	forcedOff := func(category string, explicitOn bool) bool {
		return gpc && slices.Contains(s.fixture.GPCRefuses, category) && !(req.Method == "preferences" && explicitOn)
	}
	cats, tools := map[string]bool{}, map[string]bool{}
	for id, isRequired := range required {
		if !isRequired {
			cats[id] = req.Categories[id] && !forcedOff(id, req.Categories[id])
		}
	}
	for id, cat := range toolCategory {
		if required[cat] {
			continue
		}
		on, given := req.Tools[id]
		if !given {
			on = cats[cat]
		}
		tools[id] = on && !forcedOff(cat, given && on)
	}
	receipt := base64.RawURLEncoding.EncodeToString(randomBytes(16))
	given := time.Now()
	http.SetCookie(w, &http.Cookie{
		Name:     "noren_consent",
		Value:    fmt.Sprintf("1.%s.%d.%s.%s.%s.%s", receipt, given.Unix(), s.fixture.Version, s.fixture.Policy, decisionList(cats), decisionList(tools)),
		Path:     "/",
		MaxAge:   182 * 24 * 60 * 60,
		SameSite: http.SameSiteLaxMode,
	})
	s.mu.Lock()
	s.posts = append(s.posts, req)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"receipt": receipt, "given": given.UTC().Format(time.RFC3339), "version": s.fixture.Version,
		"policy": s.fixture.Policy, "categories": cats, "tools": tools,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decisionList writes decisions as the cookie does: "a:1|b:0", by id.
func decisionList(d map[string]bool) string {
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(d)) {
		if d[id] {
			parts = append(parts, id+":1")
		} else {
			parts = append(parts, id+":0")
		}
	}
	return strings.Join(parts, "|")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func (s *consentSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// heldHits counts the requests for what the fixture page holds back.
func (s *consentSite) heldHits() int {
	n := s.hitsOf("/embed") + s.hitsOf("/gated/pixel.gif") + s.hitsOf("/gated/style.css")
	for path := range gatedScripts {
		n += s.hitsOf(path)
	}
	return n
}

func (s *consentSite) choices() []choiceRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

// consentTab is a Chromium tab on a consentSite. It records the address
// of every request the page makes; when the test ends it checks that none
// left loopback and that the page broke no rule of its CSP.
type consentTab struct {
	t   *testing.T
	s   *consentSite
	ctx context.Context

	mu   sync.Mutex
	urls []string
}

func (s *consentSite) browser(t *testing.T) *consentTab {
	t.Helper()
	b := &consentTab{t: t, s: s, ctx: browsertest.New(t)}
	// chromedp enables the network domain itself; asking again keeps the
	// test from depending on that.
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.urls = append(b.urls, e.Request.URL)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to network events: %v", err)
	}
	t.Cleanup(b.checkPageRules)
	return b
}

// checkPageRules runs before the browser stops, as cleanups run last
// registered first.
func (b *consentTab) checkPageRules() {
	if b.t.Failed() {
		return
	}
	for _, u := range b.requests() {
		if p, err := url.Parse(u); err != nil || p.Scheme != "data" && p.Hostname() != "127.0.0.1" {
			b.t.Errorf("the page requested %s, beyond loopback", u)
		}
	}
	if v := evaluate[[]string](b, "CSP violations", `window.violations || []`); len(v) > 0 {
		b.t.Errorf("the page broke its Content-Security-Policy: %q", v)
	}
}

func (b *consentTab) requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.urls)
}

// fatalf fails the test with the HTML of the current page.
func (b *consentTab) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		html = "(no HTML: " + err.Error() + ")"
	}
	b.t.Fatalf(format+"\n--- page ---\n%s", append(args, html)...)
}

func (b *consentTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

func evaluate[T any](b *consentTab, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatalf("%s: %s: %v", what, expr, err)
	}
	return v
}

// open loads a page of the site and waits for its load event.
func (b *consentTab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.s.srv.URL+path))
}

// check fails the test unless the expression is true now.
func (b *consentTab) check(what, expr string) {
	b.t.Helper()
	if !evaluate[bool](b, what, expr) {
		b.fatalf("%s: want %s", what, expr)
	}
}

// waitFor waits until the expression is true: the page answers events
// and the consent endpoint in its own time.
func (b *consentTab) waitFor(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	// The step's deadline bounds the wait, not the poll's own timeout.
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0))
	if _, err := chromedp.Run(ctx, poll); err != nil {
		b.fatalf("%s: waiting for %s: %v", what, expr, err)
	}
}

func (b *consentTab) click(what, selector string) {
	b.t.Helper()
	b.do(what, chromedp.Click(chromedp.CSS(selector)))
}

func (b *consentTab) keys(what string, keys string, opts ...chromedp.KeyOption) {
	b.t.Helper()
	b.do(what, chromedp.KeyEvent(keys, opts...))
}

// cookie returns the decisions in the noren_consent cookie and its fields,
// failing the test when the browser holds none.
func (b *consentTab) cookie() (fields []string, decisions map[string]bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.s.srv.URL + "/page"}})
	if err != nil {
		b.fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name != "noren_consent" {
			continue
		}
		if c.HTTPOnly || c.Path != "/" || c.SameSite != network.CookieSameSiteLax {
			b.fatalf("cookie attributes: HttpOnly %v, Path %q, SameSite %q; want readable by scripts, /, Lax", c.HTTPOnly, c.Path, c.SameSite)
		}
		fields = strings.Split(c.Value, ".")
		if len(fields) != 7 {
			b.fatalf("cookie %q has %d fields, want 7", c.Value, len(fields))
		}
		decisions = map[string]bool{}
		for _, list := range fields[5:] {
			for entry := range strings.SplitSeq(list, "|") {
				id, v, _ := strings.Cut(entry, ":")
				decisions[id] = v == "1"
			}
		}
		return fields, decisions
	}
	b.fatalf("no noren_consent cookie")
	return nil, nil
}

// wantDecisions compares some decisions with those wanted.
func wantDecisions(t *testing.T, what string, got map[string]bool, want map[string]bool) {
	t.Helper()
	for id, w := range want {
		if g, ok := got[id]; !ok || g != w {
			t.Errorf("%s: %s is %v (present %v), want %v; all: %v", what, id, g, ok, w, got)
		}
	}
}

// Selectors of the banner and preference centre buttons, in their order:
// Accept all, Reject all, then Customise or Save.
const (
	bannerAccept    = ".noren-banner .noren-btns button:nth-child(1)"
	bannerReject    = ".noren-banner .noren-btns button:nth-child(2)"
	bannerCustomise = ".noren-banner .noren-btns button:nth-child(3)"
	dialogSave      = "dialog.noren-pc .noren-btns button:nth-child(3)"
)

// nothingRan is true while no gated script has run.
const nothingRan = `window.ran.length === 0 && !window.gatedRan && !window.moduleRan && !window.adRan`

// bannerShape describes the banner and its buttons.
type bannerShape struct {
	Role     string   `json:"role"`
	Label    string   `json:"label"`
	Position string   `json:"position"`
	Buttons  []string `json:"buttons"`
	Sizes    []string `json:"sizes"`
	Styles   []string `json:"styles"`
}

const bannerShapeJS = `(() => {
	const b = document.querySelector('.noren-banner');
	const label = document.getElementById(b.getAttribute('aria-labelledby'));
	const buttons = [...b.querySelectorAll('button')];
	const look = e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.fontSize, s.fontWeight, s.borderTopWidth, s.borderTopColor, s.borderRadius].join(' '); };
	return {
		role: b.getAttribute('role'), label: label ? label.textContent : '', position: getComputedStyle(b).position,
		buttons: buttons.map(e => e.textContent),
		sizes: buttons.map(e => { const r = e.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); }),
		styles: buttons.map(look),
	};
})()`

func checkBannerShape(b *consentTab) {
	b.t.Helper()
	got := evaluate[bannerShape](b, "banner", bannerShapeJS)
	if got.Role != "region" || got.Label != "Your privacy choices" || got.Position != "fixed" {
		b.fatalf("banner: role %q, labelled %q, position %q; want a fixed region labelled by its title", got.Role, got.Label, got.Position)
	}
	if !slices.Equal(got.Buttons, []string{"Accept all", "Reject all", "Customise"}) {
		b.fatalf("banner buttons %q, want Accept all, Reject all, Customise", got.Buttons)
	}
	// Equal prominence: the three choices have one size and one look.
	if len(slices.Compact(slices.Clone(got.Sizes))) != 1 || len(slices.Compact(slices.Clone(got.Styles))) != 1 {
		b.fatalf("banner buttons differ: sizes %q, styles %q", got.Sizes, got.Styles)
	}
}

// consentCalls returns the Consent Mode calls in window.dataLayer.
func consentCalls(b *consentTab) [][]any {
	b.t.Helper()
	raw := evaluate[string](b, "dataLayer", `JSON.stringify((window.dataLayer || []).map(a => Array.from(a)).filter(a => a[0] === 'consent'))`)
	var calls [][]any
	if err := json.Unmarshal([]byte(raw), &calls); err != nil {
		b.fatalf("dataLayer %s: %v", raw, err)
	}
	return calls
}

func TestConsentBeforeChoice(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")

	b.check("no gated script ran", nothingRan)
	if n := s.heldHits(); n != 0 {
		t.Errorf("%d requests for the held-back scripts, embed, image and stylesheet before any choice", n)
	}
	checkBannerShape(b)
	// The placeholder takes the box the embed would have had (560 × 315
	// and the iframe's 2 px border), so that the page does not move.
	b.check("the placeholder keeps the embed's box", `(() => { const p = document.querySelector('.noren-ctl');
		return p.offsetWidth === 564 && p.offsetHeight === 319; })()`)

	calls := consentCalls(b)
	if len(calls) != 1 || calls[0][1] != "default" {
		t.Fatalf("Consent Mode calls %v, want the default alone", calls)
	}
	defaults := calls[0][2].(map[string]any)
	for _, k := range []string{"ad_storage", "ad_user_data", "ad_personalization", "analytics_storage", "functionality_storage", "personalization_storage"} {
		if defaults[k] != "denied" {
			t.Errorf("Consent Mode default %s = %v, want denied", k, defaults[k])
		}
	}
	if defaults["security_storage"] != "granted" || defaults["wait_for_update"] != 500.0 {
		t.Errorf("Consent Mode default %v, want security_storage granted and wait_for_update 500", defaults)
	}

	b.check("the embed waits, without src", `!document.querySelector('iframe').hasAttribute('src')`)
	placeholder := evaluate[string](b, "placeholder", `document.querySelector('.noren-ctl').textContent`)
	for _, want := range []string{"YouTube", "Google LLC", "Playing videos", "The page address", "Load content", "Always allow this service"} {
		if !strings.Contains(placeholder, want) {
			t.Errorf("placeholder %q does not say %q", placeholder, want)
		}
	}
}

func TestConsentAcceptAll(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	b.click("Accept all", bannerAccept)
	b.waitFor("the banner goes", `!document.querySelector('.noren-banner')`)
	b.waitFor("gated scripts run", `window.ran.length === 3 && window.moduleRan === true && window.adRan === true`)
	if got := evaluate[[]string](b, "order", `window.ran`); !slices.Equal(got, []string{"first", "external", "last"}) {
		t.Errorf("gated scripts ran in the order %q, want the document's", got)
	}
	b.check("the page's foot is given back", `!document.documentElement.classList.contains('noren-bn')`)

	fields, decisions := b.cookie()
	if fields[3] != s.fixture.Version {
		t.Errorf("cookie version %q, want %q", fields[3], s.fixture.Version)
	}
	wantDecisions(t, "cookie", decisions, map[string]bool{"preferences": true, "analytics": true, "advertising": true, "embeds": true,
		"google-analytics": true, "ad-network": true, "youtube": true, "theme-store": true})
	posts := s.choices()
	if len(posts) != 1 || posts[0].Method != "banner" || posts[0].GPC || posts[0].Lang != "en" {
		t.Fatalf("posted %+v, want one choice from the banner, without GPC, in English", posts)
	}
	b.waitFor("the receipt is told", fmt.Sprintf(`document.querySelector('.noren-live[role=status]').textContent === 'Consent receipt: %s'`, fields[1]))
	b.waitFor("the embed loads", `document.querySelector('iframe').getAttribute('src') === '/embed' && !document.querySelector('.noren-ctl')`)

	calls := consentCalls(b)
	if last := calls[len(calls)-1]; last[1] != "update" || last[2].(map[string]any)["analytics_storage"] != "granted" || last[2].(map[string]any)["ad_storage"] != "granted" {
		t.Errorf("last Consent Mode call %v, want an update granting analytics and ads", last)
	}

	// The choice holds on the next page, with no banner.
	b.open("/page")
	b.waitFor("gated scripts run at once", `window.ran.length === 3`)
	b.check("no banner", `!document.querySelector('.noren-banner')`)
	b.check("the embed loads at once", `document.querySelector('iframe').getAttribute('src') === '/embed' && !document.querySelector('.noren-ctl')`)
	if calls := consentCalls(b); len(calls) != 2 || calls[0][1] != "default" || calls[1][1] != "update" {
		t.Errorf("Consent Mode calls %v, want the default, then the update from the cookie", calls)
	}

	// A held-back script added later by a script of the page's, which can
	// give it the page's nonce, runs too.
	b.do("add a gated script", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement('script');
		s.type = 'text/plain';
		s.dataset.norenCategory = 'analytics';
		s.src = '/gated/late.js';
		s.nonce = document.querySelector('script[src="/noren/consent.js"]').nonce;
		document.body.append(s);
	})()`))
	b.waitFor("the added script runs", `window.lateRan === true`)
	b.check("the held image and stylesheet have their addresses back, without the nonce", `(() => {
		const i = document.getElementById('held-pixel'), l = document.getElementById('held-style');
		return i.getAttribute('src') === '/gated/pixel.gif' && l.getAttribute('href') === '/gated/style.css' &&
			i.nonce === '' && l.nonce === '' && !i.hasAttribute('data-noren-category'); })()`)
}

func TestConsentRejectAll(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	b.click("Reject all", bannerReject)
	b.waitFor("the banner goes", `!document.querySelector('.noren-banner')`)
	_, decisions := b.cookie()
	wantDecisions(t, "cookie", decisions, map[string]bool{"preferences": false, "analytics": false, "advertising": false, "embeds": false,
		"google-analytics": false, "ad-network": false, "youtube": false, "theme-store": false})
	b.check("nothing ran", nothingRan)
	b.check("the embed still waits", `!!document.querySelector('.noren-ctl')`)

	b.open("/page")
	b.check("nothing ran after reload", nothingRan)
	b.check("no banner after reload", `!document.querySelector('.noren-banner')`)
	if n := s.heldHits(); n != 0 {
		t.Errorf("%d requests for the held-back scripts, embed, image and stylesheet after Reject all", n)
	}
}

// activeInDialog is true while the focus is on a control inside the open
// preference centre.
const activeInDialog = `(() => { const d = document.querySelector('dialog.noren-pc'); return !!d && d.open && d.contains(document.activeElement) && document.activeElement !== d; })()`

func TestConsentPreferenceCentre(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	b.click("Customise", bannerCustomise)
	b.waitFor("the dialog opens", activeInDialog)
	b.check("modal and labelled", `(() => { const d = document.querySelector('dialog.noren-pc');
		return d.getAttribute('role') === 'dialog' && d.getAttribute('aria-modal') === 'true' &&
			document.getElementById(d.getAttribute('aria-labelledby')).textContent === 'Privacy settings'; })()`)
	b.check("every category, required ones on and locked", `document.querySelectorAll('.noren-cat').length === 5 &&
		document.querySelector('input[data-c="necessary"]').checked && document.querySelector('input[data-c="necessary"]').disabled`)
	b.check("no box ticked in advance", `[...document.querySelectorAll('dialog input:not(:disabled)')].every(x => !x.checked)`)
	b.check("tools with recipient, purpose, information sent and policy", `(() => {
		const li = document.querySelector('input[data-t="google-analytics"]').closest('li');
		const a = li.querySelector('a');
		return /Google LLC/.test(li.textContent) && /Audience measurement/.test(li.textContent) &&
			/Pages visited/.test(li.textContent) && a && a.href === 'https://policies.google.com/privacy'; })()`)

	for i := range 30 {
		b.keys("Tab", kb.Tab)
		if !evaluate[bool](b, "focus", activeInDialog) {
			b.fatalf("Tab %d took the focus out of the dialog", i+1)
		}
	}
	for i := range 10 {
		b.keys("Shift+Tab", kb.Tab, chromedp.KeyModifiers(kb.ModifierShift))
		if !evaluate[bool](b, "focus", activeInDialog) {
			b.fatalf("Shift+Tab %d took the focus out of the dialog", i+1)
		}
	}
	b.keys("Escape", kb.Escape)
	b.waitFor("Escape closes the dialog", `!document.querySelector('dialog.noren-pc').open`)
	b.check("the focus returns to Customise", fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, bannerCustomise))

	// Switching a category on switches its tools on; saving records it.
	b.click("Customise", bannerCustomise)
	b.waitFor("the dialog opens again", activeInDialog)
	b.click("Preferences", `input[data-c="preferences"]`)
	b.check("the category's tool follows", `document.querySelector('input[data-t="theme-store"]').checked`)
	b.click("Save", dialogSave)
	b.waitFor("the preference script runs", `window.moduleRan === true`)
	b.waitFor("the banner goes", `!document.querySelector('.noren-banner') && !document.querySelector('dialog.noren-pc').open`)
	b.check("nothing else ran", `window.ran.length === 0 && !window.adRan`)
	posts := s.choices()
	if len(posts) != 1 || posts[0].Method != "preferences" {
		t.Fatalf("posted %+v, want one choice from the preference centre", posts)
	}
	wantDecisions(t, "posted categories", posts[0].Categories, map[string]bool{"preferences": true, "analytics": false, "advertising": false, "embeds": false})
	wantDecisions(t, "posted tools", posts[0].Tools, map[string]bool{"theme-store": true, "google-analytics": false, "youtube": false})
}

func TestConsentWithdrawalReloads(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	b.click("Accept all", bannerAccept)
	b.waitFor("gated scripts run", `window.gatedRan === true && window.moduleRan === true`)
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.marker = true`))

	b.click("the footer's Privacy settings link", `footer a[href="/en/privacy/choices"]`)
	b.waitFor("the link opens the dialog", activeInDialog)
	b.check("no navigation", `location.pathname === '/page' && window.marker === true`)
	b.check("the current choice is shown", `document.querySelector('input[data-c="analytics"]').checked`)
	b.click("Analytics off", `input[data-c="analytics"]`)
	b.check("its tools follow", `!document.querySelector('input[data-t="google-analytics"]').checked`)

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(dialogSave)))
	if err != nil {
		b.fatalf("save, then reload: %v", err)
	}
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/page") {
		t.Fatalf("after the withdrawal the page loaded %s with status %d, want /page", resp.URL, resp.Status)
	}
	b.check("the page was reloaded", `window.marker === undefined`)
	b.waitFor("what is still allowed runs", `window.moduleRan === true`)
	b.check("the withdrawn script does not run", `!window.gatedRan && window.ran.length === 0`)
	_, decisions := b.cookie()
	wantDecisions(t, "cookie", decisions, map[string]bool{"analytics": false, "google-analytics": false, "preferences": true})
}

func TestConsentKeyboardOnly(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")

	// The banner comes first in the tab order.
	for _, want := range []string{"Accept all", "Reject all", "Customise"} {
		b.keys("Tab", kb.Tab)
		if got := evaluate[string](b, "focus", `document.activeElement.textContent`); got != want {
			b.fatalf("Tab reached %q, want %q", got, want)
		}
		b.check("visible focus", `getComputedStyle(document.activeElement).outlineStyle === 'solid' && parseFloat(getComputedStyle(document.activeElement).outlineWidth) >= 2`)
	}
	b.keys("Enter", kb.Enter)
	b.waitFor("Enter opens the dialog", activeInDialog)
	b.keys("Escape", kb.Escape)
	b.waitFor("Escape closes it", `!document.querySelector('dialog.noren-pc').open`)
	b.check("focus back on Customise", `document.activeElement.textContent === 'Customise'`)
	for _, want := range []string{"Reject all", "Accept all"} {
		b.keys("Shift+Tab", kb.Tab, chromedp.KeyModifiers(kb.ModifierShift))
		if got := evaluate[string](b, "focus", `document.activeElement.outerHTML.slice(0, 80)`); !strings.Contains(got, ">"+want+"<") {
			b.fatalf("Shift+Tab reached %q, want %q", got, want)
		}
	}
	b.keys("Enter", kb.Enter)
	b.waitFor("gated scripts run", `window.gatedRan === true && window.ran.length === 3`)
	b.check("the banner is gone", `!document.querySelector('.noren-banner')`)
}

func TestConsentGPC(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page?gpc=1")
	b.check("the banner tells of GPC", `document.querySelector('.noren-banner').textContent.includes('Global Privacy Control')`)
	b.click("Accept all", bannerAccept)
	b.waitFor("what GPC leaves runs", `window.moduleRan === true && !document.querySelector('.noren-banner')`)
	b.check("what GPC refuses does not", nothingRanExceptModule)
	posts := s.choices()
	if len(posts) != 1 || !posts[0].GPC {
		t.Fatalf("posted %+v, want one choice that carries GPC", posts)
	}
	// The client itself keeps them off; the endpoint would too.
	wantDecisions(t, "posted categories", posts[0].Categories, map[string]bool{"analytics": false, "advertising": false, "preferences": true, "embeds": true})
	wantDecisions(t, "posted tools", posts[0].Tools, map[string]bool{"google-analytics": false, "ad-network": false, "youtube": true})
	_, decisions := b.cookie()
	wantDecisions(t, "cookie", decisions, map[string]bool{"analytics": false, "advertising": false})

	// One by one in the preference centre, GPC categories can be allowed.
	b.click("the footer's Privacy settings link", `footer a[href="/en/privacy/choices"]`)
	b.waitFor("the dialog opens", activeInDialog)
	b.check("the dialog tells of GPC", `document.querySelector('dialog.noren-pc').textContent.includes('Global Privacy Control')`)
	b.click("Analytics on", `input[data-c="analytics"]`)
	b.click("Save", dialogSave)
	b.waitFor("analytics runs", `window.gatedRan === true && window.ran.length === 3`)
	b.check("advertising stays off", `!window.adRan`)
	_, decisions = b.cookie()
	wantDecisions(t, "cookie", decisions, map[string]bool{"analytics": true, "google-analytics": true, "advertising": false})
}

// nothingRanExceptModule is true when only the preferences script ran.
const nothingRanExceptModule = `window.ran.length === 0 && !window.gatedRan && !window.adRan`

func TestConsentClickToLoad(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	b.check("the placeholder names the tool", `document.querySelector('.noren-ctl').getAttribute('aria-label') === 'YouTube'`)
	b.click("Load", ".noren-ctl button")
	b.waitFor("the embed loads", `(() => { const f = document.querySelector('iframe');
		return f.getAttribute('src') === '/embed' && !!f.contentDocument && !!f.contentDocument.getElementById('embedded'); })()`)
	b.check("the placeholder is gone", `!document.querySelector('.noren-ctl')`)
	b.check("the embed has the focus", `document.activeElement === document.querySelector('iframe')`)
	if n := len(s.choices()); n != 0 {
		t.Errorf("loading once posted %d choices, want none", n)
	}
	b.check("the banner still asks", `!!document.querySelector('.noren-banner')`)

	// Always allow: the choice is recorded and holds on the next page.
	b.open("/page")
	b.click("Always allow", ".noren-ctl input[type=checkbox]")
	b.click("Load", ".noren-ctl button")
	b.waitFor("the choice is recorded", `!document.querySelector('.noren-banner')`)
	posts := s.choices()
	if len(posts) != 1 || posts[0].Method != "preferences" {
		t.Fatalf("posted %+v, want one choice from the preference centre", posts)
	}
	wantDecisions(t, "posted tools", posts[0].Tools, map[string]bool{"youtube": true, "google-analytics": false})
	_, decisions := b.cookie()
	wantDecisions(t, "cookie", decisions, map[string]bool{"youtube": true, "analytics": false})
	b.open("/page")
	b.check("the embed loads at once", `document.querySelector('iframe').getAttribute('src') === '/embed' && !document.querySelector('.noren-ctl')`)
	b.check("nothing else ran", nothingRan)
}

func TestConsentShareLinks(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/page")
	hrefs := evaluate[[]string](b, "share links", `[...document.querySelectorAll('#empty-share a')].map(a => a.getAttribute('href'))`)
	u := url.QueryEscape(s.srv.URL + "/articles/1")
	want := []string{
		"https://x.com/intent/post?text=Consent%20fixture&url=" + u,
		"https://www.facebook.com/sharer/sharer.php?u=" + u,
		"https://social-plugins.line.me/lineit/share?url=" + u,
		"https://b.hatena.ne.jp/entry/panel/?url=" + u,
		"https://www.linkedin.com/sharing/share-offsite/?url=" + u,
		"mailto:?subject=Consent%20fixture&body=" + u,
	}
	if !slices.Equal(hrefs, want) {
		t.Errorf("share links\n%q\nwant\n%q", hrefs, want)
	}
	b.check("web links open a new window, say so, and send no referrer", `[...document.querySelectorAll('#empty-share a:not([href^="mailto:"])')].every(a =>
		a.target === '_blank' && a.rel === 'noopener noreferrer' && a.querySelector('.noren-share__note'))`)
	b.check("the note is read out, not shown", `document.querySelector('.noren-share__note').getBoundingClientRect().width <= 1`)
	b.check("links the server wrote are left alone", `document.querySelectorAll('#filled-share a').length === 1`)

	b.do("add a share element", chromedp.Evaluate[chromedp.Void](`(() => {
		const e = document.createElement('noren-share');
		e.id = 'added-share';
		e.setAttribute('networks', 'LINE x, line bogus constructor');
		e.setAttribute('url', 'https://example.org/a b');
		document.body.append(e);
	})()`))
	got := evaluate[[]string](b, "added share links", `[...document.querySelectorAll('#added-share a')].map(a => a.getAttribute('href'))`)
	if want := []string{
		"https://social-plugins.line.me/lineit/share?url=https%3A%2F%2Fexample.org%2Fa%20b",
		"https://x.com/intent/post?text=Consent%20fixture&url=https%3A%2F%2Fexample.org%2Fa%20b",
	}; !slices.Equal(got, want) {
		t.Errorf("added share links %q, want %q", got, want)
	}
	for _, u := range b.requests() {
		if p, err := url.Parse(u); err != nil || p.Hostname() != "127.0.0.1" {
			t.Errorf("request to %s: nothing may reach a share network before a click", u)
		}
	}
}

func TestConsentStaleChoice(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	// A choice made before embeds were added, under an older version.
	old := "1.AAAAAAAAAAAAAAAAAAAAAA.1700000000.000000000000." + s.fixture.Policy +
		".advertising:0|analytics:1|preferences:0.ad-network:0|google-analytics:1|theme-store:0"
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "noren_consent", Value: old, URL: s.srv.URL + "/", Path: "/"}); err != nil {
		t.Fatalf("set cookie: %v", err)
	}
	b.open("/page")
	b.check("the banner says what is new", `document.querySelector('.noren-banner .noren-note').textContent === 'Added since your last choice: Embedded content, YouTube'`)
	b.waitFor("earlier decisions still hold", `window.gatedRan === true && window.ran.length === 3`)
	b.check("and refusals too", `!window.moduleRan && !window.adRan`)
	b.click("Customise", bannerCustomise)
	b.waitFor("the dialog opens", activeInDialog)
	b.check("what is new comes first, off", `(() => { const first = document.querySelector('.noren-cat input[data-c]');
		return first.dataset.c === 'embeds' && !first.checked && first.closest('section').querySelector('.noren-tag').textContent === 'Added since your last choice'; })()`)
	b.check("earlier decisions are filled in", `document.querySelector('input[data-c="analytics"]').checked && !document.querySelector('input[data-c="preferences"]').checked`)
}

// contrastJS returns the elements matching the selector whose text has a
// contrast below 4.5:1 against the first opaque background behind it.
const contrastJS = `((selector) => {
	const rgb = c => c.match(/[\d.]+/g).map(Number);
	const lum = c => { const [r, g, b] = rgb(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor, v = rgb(c); if (v.length < 4 || v[3] === 1) return c; } return 'rgb(255, 255, 255)'; };
	return [...document.querySelectorAll(selector)].map(e => {
		const a = lum(getComputedStyle(e).color), b = lum(bg(e));
		return { text: e.textContent.slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
	}).filter(x => x.ratio < 4.5).map(x => x.text + ': ' + x.ratio.toFixed(2));
})`

func TestConsentLayoutAndContrast(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.do("a 320 px screen", chromedp.EmulateViewport(320, 640))
	b.open("/page")
	checkBannerShape(b)
	b.check("no motion, so none to reduce", `(() => { const s = getComputedStyle(document.querySelector('.noren-banner'));
		return s.animationName === 'none' && s.transitionDuration === '0s'; })()`)
	b.check("no sideways scrolling", `document.documentElement.scrollWidth <= 320`)
	b.waitFor("room for the banner at the page's foot", `getComputedStyle(document.documentElement).paddingBottom === document.querySelector('.noren-banner').offsetHeight + 'px'`)
	if low := evaluate[[]string](b, "contrast", contrastJS+`('.noren-banner h2, .noren-banner p, .noren-btn, .noren-ctl p, .noren-ctl dt, .noren-ctl dd, .noren-ctl label')`); len(low) > 0 {
		t.Errorf("text below 4.5:1: %q", low)
	}
	b.click("Customise", bannerCustomise)
	b.waitFor("the dialog opens", activeInDialog)
	b.check("the dialog fits the screen", `(() => { const r = document.querySelector('dialog.noren-pc').getBoundingClientRect(); return r.left >= 0 && r.right <= 320; })()`)
	b.check("no sideways scrolling in the dialog", `(() => { const d = document.querySelector('dialog.noren-pc'); return d.scrollWidth <= d.clientWidth; })()`)
	if low := evaluate[[]string](b, "contrast", contrastJS+`('dialog.noren-pc h2, dialog.noren-pc h3, dialog.noren-pc p, dialog.noren-pc dt, dialog.noren-pc dd, dialog.noren-pc a, dialog.noren-pc button, dialog.noren-pc .noren-tag')`); len(low) > 0 {
		t.Errorf("text below 4.5:1 in the dialog: %q", low)
	}
}

// TestConsentGadgets checks that consent.js brings to life only what the
// server held back in the same response, marked with the response's nonce:
// markup injected into a page's content in the held-back form, which
// consent.js would otherwise run with the nonce that the
// Content-Security-Policy refused it, does not run or load, before or after
// consent, nor does a configuration injected before Noren's. Noren's own
// held-back script still runs once allowed.
func TestConsentGadgets(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	b.open("/gadget")
	checkBannerShape(b)
	b.check("Noren's own held-back scripts wait", `!window.gatedRan && window.heldInlineRan === undefined`)
	noGadget := func(when string) {
		t.Helper()
		b.check(when+": no injected code ran", `window.pwned.length === 0`)
		b.check(when+": no injected frame got a placeholder or an address", `!document.querySelector('.noren-ctl') &&
			[...document.querySelectorAll('iframe')].every(f => !f.hasAttribute('src'))`)
		b.check(when+": no injected image or stylesheet got an address", `!document.querySelector('img[src], link[rel=stylesheet][href^="/gadget"]')`)
		for path, n := range s.hitsUnder("/gadget/") {
			t.Errorf("%s: %d requests for %s", when, n, path)
		}
	}
	noGadget("before any choice")

	b.click("Accept all", bannerAccept)
	b.waitFor("Noren's own held-back script runs", `window.gatedRan === true`)
	b.waitFor("Noren's own held-back inline snippet runs after the script before it", `window.heldInlineRan === true`)
	b.waitFor("the banner goes", `!document.querySelector('.noren-banner')`)
	noGadget("after Accept all")
	b.open("/gadget")
	b.waitFor("Noren's own held-back script runs at once", `window.gatedRan === true`)
	noGadget("on the next page")
}

// hitsUnder returns the number of requests for each path under prefix.
func (s *consentSite) hitsUnder(prefix string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for p, n := range s.hits {
		if strings.HasPrefix(p, prefix) {
			out[p] = n
		}
	}
	return out
}
