package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// noticePage is a page whose only tool needing consent is a first-party
// counter in a category that runs before a choice: an inline script the
// server held back, which counts each time it runs.
const noticePage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Notice fixture</title>
<link rel="stylesheet" href="/noren/consent.css">
<script id="noren-consent-config" type="application/json">{{config}}</script>
<script src="/noren/consent.js" nonce="{{nonce}}"></script>
<script nonce="{{nonce}}">
  window.ran = [];
  window.counted = 0;
  document.addEventListener("securitypolicyviolation", e => {
    (window.violations = window.violations || []).push(e.violatedDirective + " " + e.blockedURI);
  });
</script>
</head>
<body>
<main>
<h1>Notice fixture</h1>
<script type="text/plain" data-noren-category="statistics" data-noren-tool="counter" nonce="{{nonce}}">window.counted++;</script>
</main>
<footer><a href="/en/privacy/choices">Privacy settings</a></footer>
</body>
</html>`

// newNoticeSite is a consentSite serving noticePage, with a configuration
// of testdata/config.json whose only category needing consent is
// statistics, on before a choice and refused by GPC.
func newNoticeSite(t *testing.T) *consentSite {
	t.Helper()
	s := newConsentSite(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["gpcRefuses"] = []string{"statistics"}
	cfg["categories"] = []map[string]any{
		{"id": "necessary", "name": "Strictly necessary", "description": "Needed for the site to work.", "required": true},
		{"id": "statistics", "name": "Statistics", "description": "Counts, without cookies, how pages are viewed.", "required": false,
			"saleOrShare": false, "beforeChoice": true},
	}
	cfg["tools"] = []map[string]any{
		{"id": "site-session", "name": "Site session", "category": "necessary", "recipient": "Example Co.", "sent": "A session identifier",
			"purpose": "Keep you signed in", "party": "first", "gcm": []string{"security_storage"}},
		{"id": "counter", "name": "Visit counter", "category": "statistics", "recipient": "Example Co.", "sent": "The page viewed",
			"purpose": "Count visits", "party": "first", "gcm": []string{}},
	}
	for _, gpc := range []bool{false, true} {
		cfg["gpc"] = gpc
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.configs[gpc] = string(out)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.fixture = fixtureConfig{}
	if err := json.Unmarshal(out, &s.fixture); err != nil {
		t.Fatal(err)
	}
	s.page = noticePage
	return s
}

// noticeShape describes the notice and its buttons.
type noticeShape struct {
	Notice  bool     `json:"notice"`
	Label   string   `json:"label"`
	Text    string   `json:"text"`
	Buttons []string `json:"buttons"`
	Sizes   []string `json:"sizes"`
	// Corner is true when the notice leaves the left part of a wide
	// window free.
	Corner bool `json:"corner"`
}

const noticeShapeJS = `(() => {
	const b = document.querySelector('.noren-banner');
	const buttons = [...b.querySelectorAll('button')];
	const r = b.getBoundingClientRect();
	return {
		notice: b.classList.contains('noren-notice'),
		label: document.getElementById(b.getAttribute('aria-labelledby')).textContent,
		text: b.textContent,
		buttons: buttons.map(e => e.textContent),
		sizes: buttons.map(e => { const r = e.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); }),
		corner: r.left > innerWidth / 3,
	};
})()`

// TestConsentNotice checks the small notice a page shows when all that
// needs consent runs before a choice: the counter runs at once, "Refuse"
// stops it (reloading the page, since what ran cannot be stopped), "Keep
// it on" and "Save" untouched keep it, and GPC keeps it off with no notice.
func TestConsentNotice(t *testing.T) {
	s := newNoticeSite(t)
	b := s.browser(t)
	fresh := func(t *testing.T, path string) {
		b.t = t
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatalf("clear cookies: %v", err)
		}
		b.open(path)
	}
	lastChoice := func(t *testing.T) choiceRequest {
		posts := s.choices()
		if len(posts) == 0 {
			t.Fatal("no choice was posted")
		}
		return posts[len(posts)-1]
	}

	t.Run("before a choice", func(t *testing.T) {
		fresh(t, "/page")
		b.waitFor("the counter runs before any choice", `window.counted === 1`)
		b.waitFor("the notice shows", `!!document.querySelector('.noren-banner')`)
		got := evaluate[noticeShape](b, "notice", noticeShapeJS)
		if !got.Notice || got.Label != "About your privacy" || !got.Corner {
			b.fatalf("notice: small form %v, labelled %q, in a corner %v; want the notice, titled About your privacy, in a corner", got.Notice, got.Label, got.Corner)
		}
		if !slices.Equal(got.Buttons, []string{"Keep it on", "Refuse", "Customise"}) || len(slices.Compact(slices.Clone(got.Sizes))) != 1 {
			b.fatalf("notice buttons %q of sizes %q, want Keep it on, Refuse and Customise of one size", got.Buttons, got.Sizes)
		}
		for _, want := range []string{"Statistics", "Counts, without cookies, how pages are viewed.", "Cookie policy (external transmission)"} {
			if !strings.Contains(got.Text, want) {
				b.fatalf("the notice does not say %q: %q", want, got.Text)
			}
		}
	})

	t.Run("refuse", func(t *testing.T) {
		fresh(t, "/page")
		b.waitFor("the counter runs", `window.counted === 1`)
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(bannerReject))); err != nil {
			b.fatalf("Refuse reloads the page: %v", err)
		}
		b.check("no notice after the refusal", `!document.querySelector('.noren-banner')`)
		b.do("give the counter time to run", chromedp.Sleep(200*time.Millisecond))
		b.check("the counter no longer runs", `window.counted === 0`)
		c := lastChoice(t)
		wantDecisions(t, "posted", c.Categories, map[string]bool{"statistics": false})
		wantDecisions(t, "posted tools", c.Tools, map[string]bool{"counter": false})
		_, decisions := b.cookie()
		wantDecisions(t, "cookie", decisions, map[string]bool{"statistics": false, "counter": false})
		b.open("/page")
		b.do("give the counter time to run", chromedp.Sleep(200*time.Millisecond))
		b.check("the next page neither counts nor asks", `window.counted === 0 && !document.querySelector('.noren-banner')`)
	})

	for _, tc := range []struct {
		name  string
		steps []string
	}{
		{"keep it on", []string{bannerAccept}},
		{"customise, then save untouched", []string{bannerCustomise, dialogSave}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh(t, "/page")
			b.waitFor("the counter runs", `window.counted === 1`)
			for i, sel := range tc.steps {
				b.click(tc.name, sel)
				if i+1 < len(tc.steps) {
					b.waitFor("the preference centre opens", activeInDialog)
					b.check("statistics are switched on", `document.querySelector('dialog.noren-pc input[data-c="statistics"]').checked &&
						document.querySelector('dialog.noren-pc input[data-t="counter"]').checked`)
				}
			}
			b.waitFor("the notice goes", `!document.querySelector('.noren-banner')`)
			b.check("the counter ran once, without a reload", `window.counted === 1`)
			c := lastChoice(t)
			wantDecisions(t, "posted", c.Categories, map[string]bool{"statistics": true})
			_, decisions := b.cookie()
			wantDecisions(t, "cookie", decisions, map[string]bool{"statistics": true, "counter": true})
		})
	}

	t.Run("Global Privacy Control", func(t *testing.T) {
		fresh(t, "/page?gpc=1")
		b.do("give the page time to settle", chromedp.Sleep(200*time.Millisecond))
		b.check("no notice and no counting under GPC", `window.counted === 0 && !document.querySelector('.noren-banner')`)
	})
}
