package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
)

// browserStep bounds each browser step, so that a page that never answers
// fails the test instead of hanging it.
const browserStep = 30 * time.Second

// Pages of the demo the consent tests visit. Every page carries the Google
// Analytics tag; the article also embeds a YouTube video and share links.
const (
	demoHome    = "/en/"
	demoNews    = "/en/news/"
	demoArticle = "/en/news/global-programme-2025-results/"
	demoChoices = "/en/privacy/choices"
	demoVideo   = "https://www.youtube-nocookie.com/embed/N0renDemo01"
)

// The banner's buttons, in the order the first test checks.
const (
	acceptAllButton = ".noren-banner .noren-btns button:nth-child(1)"
	rejectAllButton = ".noren-banner .noren-btns button:nth-child(2)"
	customiseButton = ".noren-banner .noren-btns button:nth-child(3)"
)

// Questions put to the page.
const (
	// analyticsRan is true once the demo's Google Analytics configuration
	// script, which waits for consent, has run: it pushes its config
	// command onto window.dataLayer.
	analyticsRan = `(window.dataLayer || []).some(a => a[0] === 'config' && a[1] === 'G-NOREN0DEMO')`
	// heldAnalytics counts the Google Analytics tags still held back: the
	// external gtag.js, which Noren's rewriter turned inert, and the
	// configuration script the demo marks by hand.
	heldAnalytics = `document.querySelectorAll('script[type="text/plain"][data-noren-tool="google-analytics"]').length`
	bannerShown   = `!!document.querySelector('.noren-banner')`
	dialogOpen    = `(() => { const d = document.querySelector('dialog.noren-pc'); return !!d && d.open; })()`
	focusInDialog = `(() => { const d = document.querySelector('dialog.noren-pc');
		return !!d && d.open && d !== document.activeElement && d.contains(document.activeElement); })()`
	// consentModeJS lists the Consent Mode calls in window.dataLayer as
	// "<default|update>:<analytics_storage>".
	consentModeJS = `(window.dataLayer || []).filter(a => a[0] === 'consent').map(a => a[1] + ':' + (a[2] || {}).analytics_storage)`
	// videoHeld is true while the YouTube frame has no address to load
	// and shows a placeholder naming who would receive what.
	videoHeld = `(() => { const f = document.querySelector('iframe[data-noren-tool="youtube"]');
		return !!f && !f.hasAttribute('src') && f.dataset.norenSrc === '` + demoVideo + `'; })()`
	videoLoaded = `(() => { const f = document.querySelector('iframe[data-noren-tool="youtube"]');
		return !!f && f.getAttribute('src') === '` + demoVideo + `'; })()`
)

// TestConsentBrowser drives the demo's consent management in Chromium as
// visitors would: before any choice, after each kind of choice, with a
// Global Privacy Control signal, with the keyboard alone and without
// JavaScript. Each visitor has a fresh browser context, so that no cookie
// or cache carries over; one demo process serves them all, and its
// database is then searched for anything that identifies them.
func TestConsentBrowser(t *testing.T) {
	began := time.Now()
	browser := browsertest.New(t)
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	t.Cleanup(func() { t.Logf("consent browser tests ran for %v", time.Since(began).Round(time.Millisecond)) })
	// receipts are the choices made below, which the last check expects to
	// find in the database.
	var receipts []string

	t.Run("before any choice", func(t *testing.T) {
		v := newVisitor(t, browser, p.url, visitorOptions{})
		for _, path := range []string{demoHome, demoArticle} {
			mark := len(v.sent())
			v.open(path)
			v.wantOnlyLoopback(mark)
			checkBanner(v)
			v.check("the gated analytics snippet has not run", "!"+analyticsRan)
			if n := evaluate[int](v, "held tags", heldAnalytics); n != 2 {
				v.fatalf("%s: %d Google Analytics tags held back, want 2 (gtag.js and the configuration script)", path, n)
			}
			if got := evaluate[[]string](v, "Consent Mode", consentModeJS); !slices.Equal(got, []string{"default:denied"}) {
				v.fatalf("%s: Consent Mode calls %q, want the default alone, analytics denied", path, got)
			}
			if c, ok := v.cookie(); ok {
				v.fatalf("%s: a noren_consent cookie before any choice: %q", path, c.raw.Value)
			}
		}
		v.check("the video frame loads nothing", videoHeld)
		v.check("the video's placeholder names the recipient, the service and the purpose", `(() => {
			const f = document.querySelector('iframe[data-noren-tool="youtube"]'), p = f.previousElementSibling;
			return p.matches('.noren-ctl') && ['Google LLC', 'Embedded YouTube videos', 'to play videos within the page'].every(s => p.textContent.includes(s)); })()`)
		v.check("the frame's own no-JavaScript placeholder names the recipient", `document.querySelector('iframe[data-noren-tool="youtube"]').srcdoc.includes('This content is provided by Google LLC')`)
		v.check("share links are plain links", `document.querySelectorAll('noren-share a[href^="https://x.com/intent/post"]').length === 1`)
		if !slices.Contains(v.sent(), p.url+demoArticle) {
			v.fatalf("the recorded requests lack the article itself, so the record cannot be trusted")
		}
		v.wantOnlyLoopback(0)
	})

	t.Run("accept all", func(t *testing.T) {
		v := newVisitor(t, browser, p.url, visitorOptions{})
		v.open(demoHome)
		cfg := pageConfig(v)
		mark := len(v.sent())
		v.click("Accept all", acceptAllButton)
		v.waitFor("the gated analytics snippet runs", analyticsRan)
		v.waitFor("the banner goes", "!"+bannerShown)
		v.waitForRequest(mark, "www.googletagmanager.com")
		c := v.mustCookie()
		checkCookieAttributes(t, c)
		if c.fields[0] != "1" || c.fields[3] != cfg.Version || c.fields[4] != cfg.Policy {
			t.Errorf("cookie %q: want format 1, version %s, policy %s", c.raw.Value, cfg.Version, cfg.Policy)
		}
		wantDecisions(t, "categories", c.categories, map[string]bool{"statistics": true, "analytics": true, "embeds": true})
		wantDecisions(t, "tools", c.tools, map[string]bool{"noren-analytics": true, "google-analytics": true, "youtube": true})
		if got := evaluate[[]string](v, "Consent Mode", consentModeJS); !slices.Equal(got, []string{"default:denied", "update:granted"}) {
			t.Errorf("Consent Mode calls %q, want the default, then analytics granted", got)
		}
		checkRecord(t, dir, c, consent.Record{Method: consent.MethodBanner, Kind: consent.KindAcceptAll, Lang: "en"})
		receipts = append(receipts, c.receipt())

		mark = len(v.sent())
		v.open(demoArticle)
		v.check("the next page shows no banner", "!"+bannerShown)
		v.check("the gated snippet ran with the page", analyticsRan)
		if n := evaluate[int](v, "held tags", heldAnalytics); n != 0 {
			v.fatalf("%d Google Analytics tags still held back after Accept all", n)
		}
		v.check("the video loads at once", videoLoaded)
		v.waitForRequest(mark, "www.googletagmanager.com")
		v.waitForRequest(mark, "www.youtube-nocookie.com")
	})

	t.Run("reject all", func(t *testing.T) {
		v := newVisitor(t, browser, p.url, visitorOptions{})
		v.open(demoHome)
		// The statistics ran before the choice, and what ran cannot be
		// stopped: refusing them reloads the page.
		v.reload("Reject all", rejectAllButton, demoHome)
		v.check("the banner is gone", "!"+bannerShown)
		c := v.mustCookie()
		checkCookieAttributes(t, c)
		wantDecisions(t, "categories", c.categories, map[string]bool{"statistics": false, "analytics": false, "embeds": false})
		wantDecisions(t, "tools", c.tools, map[string]bool{"noren-analytics": false, "google-analytics": false, "youtube": false})
		if got := evaluate[[]string](v, "Consent Mode", consentModeJS); !slices.Equal(got, []string{"default:denied", "update:denied"}) {
			t.Errorf("Consent Mode calls %q, want the default, then analytics denied", got)
		}
		checkRecord(t, dir, c, consent.Record{Method: consent.MethodBanner, Kind: consent.KindRejectAll, Lang: "en"})
		receipts = append(receipts, c.receipt())
		for _, path := range []string{demoHome, demoNews, demoArticle} {
			if path != demoHome {
				v.open(path)
			}
			v.check(path+": the gated analytics snippet has not run", "!"+analyticsRan)
			if n := evaluate[int](v, "held tags", heldAnalytics); n != 2 {
				v.fatalf("%s: %d Google Analytics tags held back, want 2", path, n)
			}
			v.check(path+": the banner does not return", "!"+bannerShown)
		}
		v.check("the video frame still loads nothing", videoHeld)
		v.wantOnlyLoopback(0)
	})

	t.Run("Global Privacy Control", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			opt  visitorOptions
		}{
			{"Sec-GPC header", visitorOptions{gpcHeader: true}},
			{"navigator.globalPrivacyControl", visitorOptions{gpcScript: true}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := newVisitor(t, browser, p.url, tc.opt)
				v.open(demoHome)
				if cfg := pageConfig(v); cfg.GPC != tc.opt.gpcHeader {
					t.Errorf("page config says gpc %v, want %v (whether Sec-GPC: 1 was sent)", cfg.GPC, tc.opt.gpcHeader)
				}
				v.check("the banner tells of the signal", `document.querySelector('.noren-banner').textContent.includes('Global Privacy Control')`)
				v.click("Accept all", acceptAllButton)
				v.waitFor("the banner goes", "!"+bannerShown)
				c := v.mustCookie()
				wantDecisions(t, "categories", c.categories, map[string]bool{"statistics": false, "analytics": false, "embeds": true})
				wantDecisions(t, "tools", c.tools, map[string]bool{"noren-analytics": false, "google-analytics": false, "youtube": true})
				checkRecord(t, dir, c, consent.Record{Method: consent.MethodBanner, Kind: consent.KindCustom, Lang: "en", GPC: true})
				receipts = append(receipts, c.receipt())
				v.open(demoHome)
				v.check("the gated analytics snippet does not run", "!"+analyticsRan)
				if n := evaluate[int](v, "held tags", heldAnalytics); n != 2 {
					v.fatalf("%d Google Analytics tags held back, want 2", n)
				}
				v.wantOnlyLoopback(0)

				// The server holds to the signal too, whatever a banner
				// posts: Accept all never switches those categories on.
				forced := evaluate[choiceAnswer](v, "post Accept all", fmt.Sprintf(`fetch('/api/consent', {method: 'POST',
					headers: {'Content-Type': 'application/json'},
					body: JSON.stringify({categories: {preferences: true, analytics: true, advertising: true, embeds: true},
						tools: {'google-analytics': true, youtube: true}, method: 'banner', gpc: %t, lang: 'en'})
				}).then(r => r.json())`, tc.opt.gpcScript), chromedp.EvalAwaitPromise)
				wantDecisions(t, "categories the server recorded", forced.Categories, map[string]bool{"statistics": false, "analytics": false, "embeds": true})
				wantDecisions(t, "tools the server recorded", forced.Tools, map[string]bool{"noren-analytics": false, "google-analytics": false, "youtube": true})
				receipts = append(receipts, forced.Receipt)
			})
		}

		// A page the browser kept from before the signal was switched on
		// must not be confirmed as it is: its banner would not know.
		t.Run("switched on after a visit", func(t *testing.T) {
			v := newVisitor(t, browser, p.url, visitorOptions{})
			v.open(demoHome)
			v.check("no signal yet", `!document.querySelector('.noren-banner').textContent.includes('Global Privacy Control')`)
			v.sendGPC()
			v.open(demoHome)
			if !pageConfig(v).GPC {
				v.fatalf("the page config says gpc false after Sec-GPC: 1 was sent: the copy kept from before was confirmed")
			}
			v.check("the banner tells of the signal", `document.querySelector('.noren-banner').textContent.includes('Global Privacy Control')`)
		})
	})

	t.Run("keyboard only", func(t *testing.T) {
		v := newVisitor(t, browser, p.url, visitorOptions{})
		v.open(demoHome)
		// The banner comes first in the tab order, its buttons in reading
		// order, then its link to the cookie policy, and the page's own skip
		// link follows.
		for _, want := range []string{"Accept all", "Reject all", "Customise", "Cookie policy (external transmission)", "Skip to main content"} {
			v.key("Tab", kb.Tab)
			if got := evaluate[string](v, "focus", `document.activeElement.textContent.trim()`); got != want {
				v.fatalf("Tab reached %q, want %q", got, want)
			}
			if want != "Skip to main content" {
				v.check("the focus is visible", `(() => { const s = getComputedStyle(document.activeElement);
					return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; })()`)
			}
		}
		v.key("Shift+Tab", kb.Tab, chromedp.KeyModifiers(kb.ModifierShift))
		v.key("Shift+Tab", kb.Tab, chromedp.KeyModifiers(kb.ModifierShift))
		v.check("back on Customise", `document.activeElement.textContent === 'Customise'`)
		v.key("Enter", kb.Enter)
		v.waitFor("Enter on Customise opens the preference centre with the focus inside", focusInDialog)

		// Tab and Shift+Tab go round the dialog's controls and never leave.
		stops := evaluate[int](v, "controls", `document.querySelector('dialog.noren-pc').querySelectorAll('a[href], button, input:not(:disabled)').length`)
		if stops < 4 {
			v.fatalf("the preference centre has %d controls, want at least a close button, checkboxes and the three buttons", stops)
		}
		const where = `(() => { const all = [...document.querySelector('dialog.noren-pc').querySelectorAll('a[href], button, input:not(:disabled)')];
			return all.indexOf(document.activeElement); })()`
		visited := map[int]int{}
		for i := range 2*stops + 2 {
			v.key("Tab", kb.Tab)
			if !evaluate[bool](v, "focus", focusInDialog) {
				v.fatalf("Tab %d took the focus out of the preference centre", i+1)
			}
			visited[evaluate[int](v, "focus", where)]++
		}
		for i := range stops {
			if visited[i] < 2 {
				v.fatalf("after %d Tabs control %d of %d was reached %d times, want the focus to go round: %v", 2*stops+2, i, stops, visited[i], visited)
			}
		}
		for i := range stops + 2 {
			v.key("Shift+Tab", kb.Tab, chromedp.KeyModifiers(kb.ModifierShift))
			if !evaluate[bool](v, "focus", focusInDialog) {
				v.fatalf("Shift+Tab %d took the focus out of the preference centre", i+1)
			}
		}
		v.key("Escape", kb.Escape)
		v.waitFor("Escape closes the preference centre", "!"+dialogOpen)
		v.check("the focus returns to Customise", `document.activeElement === document.querySelector('`+customiseButton+`')`)
		v.check("nothing was chosen", bannerShown)

		v.key("Enter", kb.Enter)
		v.waitFor("Enter opens the preference centre again", focusInDialog)
		v.tabTo(`input[data-c="analytics"]`, stops)
		for _, want := range []bool{true, false, true} {
			v.key("Space", " ")
			if got := evaluate[bool](v, "checkbox", `document.activeElement.checked`); got != want {
				v.fatalf("Space left the analytics box checked=%v, want %v", got, want)
			}
		}
		v.check("the category's tool follows it", `document.querySelector('dialog.noren-pc input[data-t="google-analytics"]').checked`)
		v.tabTo(`dialog.noren-pc .noren-btns button:nth-child(3)`, stops)
		v.check("on Save", `document.activeElement.textContent === 'Save choices'`)
		v.key("Enter", kb.Enter)
		v.waitFor("Save records the choice", `!`+bannerShown+` && !`+dialogOpen)
		v.waitFor("the analytics snippet runs", analyticsRan)
		c := v.mustCookie()
		// Statistics, on before the choice, stay on when Save is pressed
		// without touching them.
		wantDecisions(t, "categories", c.categories, map[string]bool{"statistics": true, "analytics": true, "embeds": false})
		wantDecisions(t, "tools", c.tools, map[string]bool{"noren-analytics": true, "google-analytics": true, "youtube": false})
		checkRecord(t, dir, c, consent.Record{Method: consent.MethodPreferences, Kind: consent.KindCustom, Lang: "en"})
		receipts = append(receipts, c.receipt())
	})

	t.Run("the choices page without JavaScript matches the banner", func(t *testing.T) {
		for _, tc := range []struct {
			action, button string
		}{
			{"reject_all", rejectAllButton},
			{"accept_all", acceptAllButton},
		} {
			t.Run(tc.action, func(t *testing.T) {
				plain := newVisitor(t, browser, p.url, visitorOptions{noScript: true})
				plain.open(demoHome)
				plain.check("no script ran: no banner", "!"+bannerShown)
				plain.open(demoChoices)
				plain.submit(fmt.Sprintf(`form#choices-form button[name="action"][value=%q]`, tc.action), demoChoices)
				form := plain.mustCookie()
				if got := evaluate[string](plain, "receipt shown", `document.querySelector('.notice--success code').textContent`); got != form.receipt() {
					plain.fatalf("the page shows receipt %q, the cookie holds %q", got, form.receipt())
				}

				js := newVisitor(t, browser, p.url, visitorOptions{})
				js.open(demoHome)
				if tc.action == "reject_all" {
					js.reload("banner button", tc.button, demoHome)
				} else {
					js.click("banner button", tc.button)
				}
				js.waitFor("the banner goes", "!"+bannerShown)
				banner := js.mustCookie()

				if form.receipt() == banner.receipt() {
					t.Fatalf("two choices share the receipt %s", form.receipt())
				}
				for i, name := range []string{"format", "receipt", "time", "consent version", "policy", "categories", "tools"} {
					if name != "receipt" && name != "time" && form.fields[i] != banner.fields[i] {
						t.Errorf("cookie %s: %q from the form, %q from the banner", name, form.fields[i], banner.fields[i])
					}
				}
				for _, c := range []consentCookie{form, banner} {
					if given := c.given(); time.Since(given) > time.Hour || time.Until(given) > time.Minute {
						t.Errorf("cookie %q: given at %v, want now", c.raw.Value, given)
					}
				}
				fromForm, fromBanner := consentRecord(t, dir, form.receipt()), consentRecord(t, dir, banner.receipt())
				if fromForm.Method != consent.MethodNoJS || fromBanner.Method != consent.MethodBanner {
					t.Errorf("methods %q and %q, want %q and %q", fromForm.Method, fromBanner.Method, consent.MethodNoJS, consent.MethodBanner)
				}
				fromForm.Receipt, fromForm.Given, fromForm.Method = "", time.Time{}, ""
				fromBanner.Receipt, fromBanner.Given, fromBanner.Method = "", time.Time{}, ""
				if !sameRecord(fromForm, fromBanner) {
					t.Errorf("records differ beyond receipt, time and method:\nform   %+v\nbanner %+v", fromForm, fromBanner)
				}
				receipts = append(receipts, form.receipt(), banner.receipt())
			})
		}
	})

	t.Run("records hold no IP address or user agent", func(t *testing.T) {
		// One more choice, so that this check has a record to search
		// even when it runs alone.
		v := newVisitor(t, browser, p.url, visitorOptions{})
		v.open(demoHome)
		ua := evaluate[string](v, "user agent", `navigator.userAgent`)
		if !strings.Contains(ua, "Chrome") {
			t.Fatalf("user agent %q does not look like Chromium's", ua)
		}
		v.click("Accept all", acceptAllButton)
		v.waitFor("the banner goes", "!"+bannerShown)
		receipts = append(receipts, v.mustCookie().receipt())
		stop(t, p, syscall.SIGTERM)
		checkRecordsAnonymous(t, dir, receipts, ua)
	})
}

// TestConsentBrowserManifestChange accepts everything on the demo, then
// adds a tool that needs consent to its manifest while it runs: the banner
// asks again, naming only the new tool, and keeps the earlier decisions.
func TestConsentBrowserManifestChange(t *testing.T) {
	began := time.Now()
	browser := browsertest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.yaml")
	orig, err := os.ReadFile("../../web/demo/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--manifest", path)
	t.Cleanup(func() { t.Logf("manifest change test ran for %v", time.Since(began).Round(time.Millisecond)) })

	v := newVisitor(t, browser, p.url, visitorOptions{})
	v.open(demoHome)
	v.click("Accept all", acceptAllButton)
	v.waitFor("the banner goes", "!"+bannerShown)
	before := v.mustCookie()

	edited := strings.Replace(string(orig), "\ncontractors:", "\n"+heatmapTool+"\ncontractors:", 1)
	if edited == string(orig) {
		t.Fatal("the demo manifest has no contractors section to add the tool before")
	}
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), &environment{stdout: &out, stderr: &out}, []string{"check", path}); code != 0 {
		t.Fatalf("the edited manifest does not validate:\n%s", out.String())
	}
	m, err := manifest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if consent.Version(m) == before.fields[3] {
		t.Fatalf("adding a tool left the consent version at %s", before.fields[3])
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(browserStep)
	for {
		_, privacy := get(t, nil, p.url+"/en/privacy")
		if strings.Contains(privacy, m.VersionLabel()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/en/privacy does not show version %s after SIGHUP", m.VersionLabel())
		}
		time.Sleep(50 * time.Millisecond)
	}

	v.open(demoHome)
	if cfg := pageConfig(v); cfg.Version != consent.Version(m) {
		t.Fatalf("the page's consent version is %s, want %s", cfg.Version, consent.Version(m))
	}
	v.check("the banner asks again", bannerShown)
	if got := evaluate[string](v, "what is new", `document.querySelector('.noren-banner .noren-note').textContent`); got != "Added since your last choice: Bay Heatmap" {
		v.fatalf("the banner says %q, want it to name the new tool alone", got)
	}
	v.check("earlier decisions hold meanwhile", analyticsRan)
	v.click("Customise", customiseButton)
	v.waitFor("the preference centre opens", focusInDialog)
	v.check("the new tool's category comes first", `document.querySelector('dialog.noren-pc .noren-cat input[data-c]').dataset.c === 'analytics'`)
	v.check("the earlier accepted tool is still ticked", `document.querySelector('dialog.noren-pc input[data-t="google-analytics"]').checked`)
	v.check("the new tool is off and marked new", `(() => { const box = document.querySelector('dialog.noren-pc input[data-t="bay-heatmap"]');
		return !box.checked && box.closest('li').querySelector('.noren-tag').textContent === 'Added since your last choice'; })()`)
	v.check("the other decisions are filled in", `['statistics', 'embeds'].every(id => document.querySelector('dialog.noren-pc input[data-c="' + id + '"]').checked)`)
	v.check("categories nothing belongs to are not offered", `!document.querySelector('dialog.noren-pc input[data-c="preferences"], dialog.noren-pc input[data-c="advertising"]')`)

	v.open(demoChoices)
	v.check("the choices page marks the new tool", `!!document.querySelector('#tool-bay-heatmap .badge') && !document.querySelector('#tool-google-analytics .badge')`)
}

// heatmapTool is a third-party analytics tool the manifest test adds to the
// demo's tools.
const heatmapTool = `  - id: bay-heatmap
    name: {ja: ベイ・ヒートマップ, en: Bay Heatmap}
    kind: analytics
    party: third
    recipient: {ja: ベイ解析株式会社, en: "Bay Analytics Co., Ltd."}
    country: JP
    category: analytics
    information_sent:
      ja: 閲覧したページのアドレス、ページ上でクリック及びスクロールした位置
      en: the address of the page viewed and where on it you click and scroll
    purpose:
      ja: ページのどの部分が読まれているかを把握し、改善するため
      en: to learn which parts of a page are read, so as to improve it
    opt_out: https://heatmap.example/opt-out
    privacy_policy: https://heatmap.example/privacy
    hosts: [cdn.heatmap.example]`

// visitor is one visitor of the demo: a fresh browser context, with its own
// cookies and cache, that records the address of every request its pages
// send.
type visitor struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu   sync.Mutex
	urls []string
}

// openTab opens a tab in a browser context of its own, whose events go to
// listen, with network events on, and returns its context.
func openTab(t *testing.T, browser context.Context, listen func(ev any)) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(listen))
	t.Cleanup(cancel)
	// The first action opens the tab and ties its life to the context it
	// runs on, so it runs on ctx itself and the wait is bounded here.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(ctx) }()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a browser context: %v", err)
		}
	case <-time.After(browserStep):
		t.Fatalf("open a browser context: no answer within %v", browserStep)
	}
	step, stop := context.WithTimeout(ctx, browserStep)
	defer stop()
	// chromedp enables the network domain itself; asking again keeps the
	// record of requests from depending on that.
	if _, err := chromedp.Call(step, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	return ctx
}

// visitorOptions set up a visitor's browser.
type visitorOptions struct {
	gpcHeader bool // send Sec-GPC: 1 with every request
	gpcScript bool // navigator.globalPrivacyControl is true
	noScript  bool // JavaScript is off
}

func newVisitor(t *testing.T, browser context.Context, base string, opt visitorOptions) *visitor {
	t.Helper()
	v := &visitor{t: t, base: base}
	v.ctx = openTab(t, browser, v.listen)
	step, stop := context.WithTimeout(v.ctx, browserStep)
	defer stop()
	if opt.gpcHeader {
		v.sendGPC()
	}
	if opt.gpcScript {
		src := `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true});`
		if _, err := chromedp.Call(step, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			t.Fatalf("set navigator.globalPrivacyControl: %v", err)
		}
	}
	if opt.noScript {
		if _, err := chromedp.Call(step, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("turn JavaScript off: %v", err)
		}
	}
	return v
}

// sendGPC makes the browser send Sec-GPC: 1 with every request from now on.
func (v *visitor) sendGPC() {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
		v.t.Fatalf("send Sec-GPC: %v", err)
	}
}

// listen records requests; it runs on the tab's reading goroutine.
func (v *visitor) listen(ev any) {
	if e, ok := ev.(*network.EventRequestWillBeSent); ok {
		v.mu.Lock()
		v.urls = append(v.urls, e.Request.URL)
		v.mu.Unlock()
	}
}

// sent returns the addresses of every request so far, in order.
func (v *visitor) sent() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.urls)
}

// fatalf fails the test with the address and HTML of the current page and
// the requests sent.
func (v *visitor) fatalf(format string, args ...any) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, 10*time.Second)
	defer cancel()
	where, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		where = "(unknown: " + err.Error() + ")"
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		html = "(no HTML: " + err.Error() + ")"
	}
	v.t.Fatalf(format+"\n--- requests ---\n%s\n--- page %s ---\n%s", append(args, strings.Join(v.sent(), "\n"), where, html)...)
}

func (v *visitor) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		v.fatalf("%s: %v", what, err)
	}
}

// evaluate returns the value of a JavaScript expression on v's page.
func evaluate[T any](v *visitor, what, expr string, opts ...chromedp.EvaluateOption) T {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	val, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		v.fatalf("%s: %s: %v", what, expr, err)
	}
	return val
}

// open loads a page of the demo, waits for its load event and checks that
// it was served.
func (v *visitor) open(path string) {
	v.t.Helper()
	v.load("open "+path, path, chromedp.Navigate(v.base+path))
}

// submit clicks a form's submit button and waits for the page the answer
// leads to, after any redirect, which must be path.
func (v *visitor) submit(button, path string) {
	v.t.Helper()
	v.load("submit "+button, path, chromedp.Click(chromedp.CSS(button)))
}

func (v *visitor) load(what, path string, actions ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		v.fatalf("%s: %v", what, err)
	}
	if u, err := url.Parse(resp.URL); err != nil || resp.Status != 200 || u.Path != path {
		v.fatalf("%s: status %d at %s, want 200 at %s", what, resp.Status, resp.URL, path)
	}
}

// reload clicks a button that withdraws something already running, which
// reloads the page, and waits for the page at path again.
func (v *visitor) reload(what, selector, path string) {
	v.t.Helper()
	v.load(what, path, chromedp.Click(chromedp.CSS(selector)))
}

func (v *visitor) click(what, selector string) {
	v.t.Helper()
	v.do(what, chromedp.Click(chromedp.CSS(selector)))
}

func (v *visitor) key(what, keys string, opts ...chromedp.KeyOption) {
	v.t.Helper()
	v.do(what, chromedp.KeyEvent(keys, opts...))
}

// tabTo presses Tab until the focus is on an element matching selector, at
// most limit times.
func (v *visitor) tabTo(selector string, limit int) {
	v.t.Helper()
	at := fmt.Sprintf(`document.activeElement.matches(%q)`, selector)
	for range limit {
		v.key("Tab", kb.Tab)
		if evaluate[bool](v, "focus", at) {
			return
		}
	}
	v.fatalf("%d Tabs did not reach %s", limit, selector)
}

// check fails the test unless the expression is true now.
func (v *visitor) check(what, expr string) {
	v.t.Helper()
	if !evaluate[bool](v, what, expr) {
		v.fatalf("%s: want %s", what, expr)
	}
}

// waitFor waits until the expression is true: the page answers events and
// the consent endpoint in its own time.
func (v *visitor) waitFor(what, expr string) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	// The step's deadline bounds the wait, not the poll's own timeout.
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0))
	if _, err := chromedp.Run(ctx, poll); err != nil {
		v.fatalf("%s: waiting for %s: %v", what, expr, err)
	}
}

// waitForRequest waits until a request to host has been sent since the
// first mark requests. Host names resolve to nothing in the test browser,
// so the request fails, but it shows that the page tried.
func (v *visitor) waitForRequest(mark int, host string) {
	v.t.Helper()
	deadline := time.Now().Add(browserStep)
	for {
		for _, u := range v.sent()[mark:] {
			if p, err := url.Parse(u); err == nil && p.Hostname() == host {
				return
			}
		}
		if time.Now().After(deadline) {
			v.fatalf("no request to %s", host)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantOnlyLoopback fails the test if a request since the first mark ones
// was for anywhere but the demo on 127.0.0.1.
func (v *visitor) wantOnlyLoopback(mark int) {
	v.t.Helper()
	var beyond []string
	for _, u := range v.sent()[mark:] {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "data" && p.Scheme != "about" && p.Hostname() != "127.0.0.1" {
			beyond = append(beyond, u)
		}
	}
	if len(beyond) > 0 {
		v.fatalf("requests beyond loopback before consent: %q", beyond)
	}
}

// choiceAnswer is the answer of POST /api/consent.
type choiceAnswer struct {
	Receipt    string          `json:"receipt"`
	Categories map[string]bool `json:"categories"`
	Tools      map[string]bool `json:"tools"`
}

// demoPageConfig is what the tests read of a page's consent configuration.
type demoPageConfig struct {
	Version string `json:"version"`
	Policy  string `json:"policy"`
	GPC     bool   `json:"gpc"`
}

func pageConfig(v *visitor) demoPageConfig {
	v.t.Helper()
	raw := evaluate[string](v, "page config", `document.getElementById('noren-consent-config').textContent`)
	var cfg demoPageConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		v.fatalf("page config %s: %v", raw, err)
	}
	return cfg
}

// bannerShape describes the banner and its buttons.
type bannerShape struct {
	Role    string   `json:"role"`
	Label   string   `json:"label"`
	Buttons []string `json:"buttons"`
	Sizes   []string `json:"sizes"`
	Styles  []string `json:"styles"`
	Visible bool     `json:"visible"`
}

// checkBanner checks that the banner offers Accept all, Reject all and
// Customise with equal weight: one size and one look.
func checkBanner(v *visitor) {
	v.t.Helper()
	got := evaluate[bannerShape](v, "banner", `(() => {
		const b = document.querySelector('.noren-banner');
		if (!b) return {buttons: []};
		const label = document.getElementById(b.getAttribute('aria-labelledby'));
		const buttons = [...b.querySelectorAll('button')];
		const look = e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.fontSize, s.fontWeight, s.borderTopWidth, s.borderTopColor, s.borderRadius].join(' '); };
		const r = b.getBoundingClientRect();
		return {
			role: b.getAttribute('role'), label: label ? label.textContent : '',
			buttons: buttons.map(e => e.textContent),
			sizes: buttons.map(e => { const r = e.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); }),
			styles: buttons.map(look),
			visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
		};
	})()`)
	if !slices.Equal(got.Buttons, []string{"Accept all", "Reject all", "Customise"}) {
		v.fatalf("banner buttons %q, want Accept all, Reject all, Customise", got.Buttons)
	}
	if got.Role != "region" || got.Label != "Your privacy choices" || !got.Visible {
		v.fatalf("banner: role %q, labelled %q, visible %v; want a visible region labelled by its title", got.Role, got.Label, got.Visible)
	}
	if len(slices.Compact(slices.Clone(got.Sizes))) != 1 || len(slices.Compact(slices.Clone(got.Styles))) != 1 {
		v.fatalf("banner buttons differ: sizes %q, styles %q", got.Sizes, got.Styles)
	}
}

// consentCookie is a noren_consent cookie as the browser keeps it.
type consentCookie struct {
	raw        *network.Cookie
	fields     []string
	categories map[string]bool
	tools      map[string]bool
}

func (c consentCookie) receipt() string { return c.fields[1] }

func (c consentCookie) given() time.Time {
	sec, err := strconv.ParseInt(c.fields[2], 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// cookie returns the noren_consent cookie the browser would send to the
// demo, if it holds one; a malformed one fails the test.
func (v *visitor) cookie() (consentCookie, bool) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{v.base + "/"}})
	if err != nil {
		v.fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name != consent.CookieName {
			continue
		}
		f := strings.Split(c.Value, ".")
		if len(f) != 7 {
			v.fatalf("cookie %q has %d fields, want 7", c.Value, len(f))
		}
		return consentCookie{raw: c, fields: f, categories: decisionsOf(f[5]), tools: decisionsOf(f[6])}, true
	}
	return consentCookie{}, false
}

func (v *visitor) mustCookie() consentCookie {
	v.t.Helper()
	c, ok := v.cookie()
	if !ok {
		v.fatalf("no %s cookie", consent.CookieName)
	}
	return c
}

// decisionsOf reads a decision list of the cookie: "a:1|b:0".
func decisionsOf(list string) map[string]bool {
	d := map[string]bool{}
	for entry := range strings.SplitSeq(list, "|") {
		if id, v, ok := strings.Cut(entry, ":"); ok {
			d[id] = v == "1"
		}
	}
	return d
}

func wantDecisions(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s %v, want %v", what, got, want)
	}
}

// checkCookieAttributes checks what the contract says of the cookie over
// plain HTTP: the whole site, Lax, readable by consent.js, lasting about
// six months.
func checkCookieAttributes(t *testing.T, c consentCookie) {
	t.Helper()
	r := c.raw
	if r.Path != "/" || r.SameSite != network.CookieSameSiteLax || r.HTTPOnly || r.Secure || r.Session {
		t.Errorf("cookie attributes: Path %q, SameSite %q, HttpOnly %v, Secure %v, session %v; want /, Lax, readable by scripts, not Secure over HTTP, persistent",
			r.Path, r.SameSite, r.HTTPOnly, r.Secure, r.Session)
	}
	expires := time.Unix(int64(r.Expires), 0)
	if life := expires.Sub(c.given()); life < 180*24*time.Hour || life > 185*24*time.Hour {
		t.Errorf("cookie lasts %v, want 6 months", life)
	}
}

// demoDSN is the database of a demo run with --data dir.
func demoDSN(dir string) string { return "sqlite:" + filepath.Join(dir, "noren.db") }

// demoAnalyticsDSN is the database of the demo's analytics events under dir.
func demoAnalyticsDSN(dir string) string { return "sqlite:" + filepath.Join(dir, "noren-analytics.db") }

// consentRecord reads the record of a receipt from the demo's database. It
// opens and closes the database each time, so that nothing of the test
// holds it when the demo stops.
func consentRecord(t *testing.T, dir, receipt string) consent.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserStep)
	defer cancel()
	db, err := store.Open(ctx, demoDSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	records, err := consent.NewRecords(db)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := records.Get(ctx, receipt)
	if err != nil {
		t.Fatalf("the choice in the cookie was not recorded: %v", err)
	}
	return rec
}

// checkRecord checks the record of the choice in a cookie: it says what the
// cookie says, and how the choice was made.
func checkRecord(t *testing.T, dir string, c consentCookie, want consent.Record) {
	t.Helper()
	rec := consentRecord(t, dir, c.receipt())
	if rec.Method != want.Method || rec.Kind != want.Kind || rec.Lang != want.Lang || rec.GPC != want.GPC || rec.PrevReceipt != "" {
		t.Errorf("record %+v: want method %s, kind %s, lang %s, GPC %v, no earlier receipt", rec, want.Method, want.Kind, want.Lang, want.GPC)
	}
	if rec.Version != c.fields[3] || !strings.HasPrefix(rec.PolicyHash, c.fields[4]) || !rec.Given.Equal(c.given()) ||
		!maps.Equal(rec.Categories, c.categories) || !maps.Equal(rec.Tools, c.tools) {
		t.Errorf("record %+v does not match the cookie %q", rec, c.raw.Value)
	}
}

func sameRecord(a, b consent.Record) bool {
	return a.Receipt == b.Receipt && a.PrevReceipt == b.PrevReceipt && a.Given.Equal(b.Given) &&
		a.PolicyHash == b.PolicyHash && a.Version == b.Version && maps.Equal(a.Categories, b.Categories) &&
		maps.Equal(a.Tools, b.Tools) && a.Method == b.Method && a.GPC == b.GPC && a.Kind == b.Kind && a.Lang == b.Lang
}

// checkRecordsAnonymous checks, after the demo has stopped, that no column
// of consent_records holds the visitors' address or user agent, that the
// choices made are there, and that the user agent appears nowhere in the
// database files; a loopback address anywhere in them is reported with the
// table and column that hold it.
func checkRecordsAnonymous(t *testing.T, dir string, receipts []string, ua string) {
	t.Helper()
	identifying := []string{"127.0.0.1", ua, "HeadlessChrome"}
	ctx, cancel := context.WithTimeout(context.Background(), browserStep)
	defer cancel()
	db, err := store.Open(ctx, demoDSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := textCells(ctx, db.SQL(), "consent_records")
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, row := range rows {
		for col, val := range row {
			for _, s := range identifying {
				if strings.Contains(val, s) {
					t.Errorf("consent_records.%s holds %q: %q", col, s, val)
				}
			}
		}
		found[row["receipt"]] = true
	}
	for _, r := range receipts {
		if !found[r] {
			t.Errorf("receipt %s is not among the %d records", r, len(rows))
		}
	}
	holders, err := cellsContaining(ctx, db.SQL(), identifying)
	if err != nil {
		t.Error(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Bytes of deleted rows can stay in the files, so they are read too.
	files, err := filepath.Glob(filepath.Join(dir, "*.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s (%v)", dir, err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range identifying {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %q; in the tables: %v", filepath.Base(name), s, holders[s])
			}
		}
	}
}

// textCells returns every row of table with each column as text.
func textCells(ctx context.Context, db *sql.DB, table string) ([]map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read %s: %w", table, err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = vals[i].String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return out, nil
}

// cellsContaining names, for each string, the table.column cells of every
// table that hold it.
func cellsContaining(ctx context.Context, db *sql.DB, strs []string) (map[string][]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tables: %w", err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		cells, err := textCells(ctx, db, `"`+table+`"`)
		if err != nil {
			return nil, err
		}
		for _, row := range cells {
			for col, val := range row {
				for _, s := range strs {
					if strings.Contains(val, s) && !slices.Contains(out[s], table+"."+col) {
						out[s] = append(out[s], table+"."+col)
					}
				}
			}
		}
	}
	return out, nil
}
