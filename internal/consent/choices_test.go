package consent_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store/storetest"
)

// pageRequest is a GET of the choices page in lang.
func pageRequest(lang, query string) *http.Request {
	target := "http://kosodate.example.jp/" + lang + "/privacy/choices"
	if query != "" {
		target += "?" + query
	}
	return httptest.NewRequest(http.MethodGet, target, nil)
}

// TestChoicesPageGolden renders the page in both languages for a visitor
// whose choice lacks one category and one tool, at a fixed time.
func TestChoicesPageGolden(t *testing.T) {
	hs := sqliteHarness(t)
	cats, tools := allDecided()
	cookie := cookieFor(hs.m, clock.Add(-48*time.Hour), without(cats, "embeds"), without(tools, "youtube"))
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			res := hs.do(t, withCookie(pageRequest(lang, ""), cookie))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, res.body)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := res.Header.Get("Content-Language"); got != lang {
				t.Errorf("Content-Language %q", got)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			checkAccessible(t, res.body)
			checkGolden(t, "choices."+lang+".html", []byte(res.body))
		})
	}
}

func TestChoicesPageContent(t *testing.T) {
	hs := sqliteHarness(t)
	cats, tools := allDecided()
	current := cookieFor(hs.m, clock.Add(-time.Hour), cats, tools)
	tests := []struct {
		name    string
		lang    string
		request func() *http.Request
		want    []string
		not     []string
	}{
		{
			name:    "no choice yet",
			lang:    "en",
			request: func() *http.Request { return pageRequest("en", "") },
			want: []string{
				`<h1>Privacy settings</h1>`, `for 6 months`,
				`<legend><h3 class="choices__legend">Analytics</h3></legend>`,
				`id="consent-necessary" name="category" value="necessary" checked disabled`,
				`<label for="consent-analytics">Allow “Analytics”</label>`,
				`<h4 id="tool-google-analytics">Google Analytics</h4>`, `<dd>Google LLC</dd>`, `<dd>United States</dd>`,
				`<dd>to understand how the site is used and improve it</dd>`,
				`href="https://policies.google.com/privacy"`,
				`value="save">Save choices</button>`, `value="accept_all">Accept all</button>`, `value="reject_all">Reject all</button>`,
				`<a href="/ja/privacy/choices" hreflang="ja" lang="ja">日本語</a>`,
				`<a href="/en/privacy/choices" aria-current="page">Privacy settings</a>`,
			},
			// statistics, which nothing of the site belongs to, is not
			// offered; countries are named, not given as codes.
			not: []string{`Your current choice`, `name="category" value="analytics" checked`, `notice--gpc`, `<script`, `style=`,
				`id="category-statistics"`, `<dd>US</dd>`},
		},
		{
			name:    "current choice",
			lang:    "en",
			request: func() *http.Request { return withCookie(pageRequest("en", ""), current) },
			want: []string{
				`Your current choice`, `<code>AAAAAAAAAAAAAAAAAAAAAA</code>`,
				`<time datetime="2026-11-29T08:30:00Z">2026-11-29 17:30 JST</time>`,
				`<dd>2026.3 (` + hs.m.ShortHash() + `)</dd>`,
				`<li>Analytics: allowed</li>`, `<li>Advertising: refused</li>`, `<li>Google Analytics: allowed</li>`,
				`name="category" value="analytics" checked aria-describedby`,
			},
			not: []string{`name="category" value="advertising" checked`, `Added since your last choice`, `badge`},
		},
		{
			name: "stale choice",
			lang: "en",
			request: func() *http.Request {
				return withCookie(pageRequest("en", ""), cookieFor(hs.m, clock, without(cats, "embeds"), without(tools, "youtube")))
			},
			want: []string{`Added since your last choice: Embedded content, Embedded YouTube videos. They stay off`, `<strong class="badge">New</strong>`},
			not:  []string{`name="category" value="embeds" checked`},
		},
		{
			name: "expired choice",
			lang: "ja",
			request: func() *http.Request {
				return withCookie(pageRequest("ja", ""), cookieFor(hs.m, clock.AddDate(-1, 0, 0), cats, tools))
			},
			want: []string{`前回の選択は有効期間（6か月）が過ぎたため`, `前回の選択（期限切れ）`},
			not:  []string{`name="category" value="analytics" checked`},
		},
		{
			name: "earlier policy",
			lang: "en",
			request: func() *http.Request {
				return withCookie(pageRequest("en", ""), strings.Replace(current, hs.m.ShortHash(), "000000000000", 1))
			},
			want: []string{`<dd>000000000000 (earlier than the version in force)</dd>`},
		},
		{
			name:    "GPC",
			lang:    "ja",
			request: func() *http.Request { return gpcHeader(pageRequest("ja", "")) },
			want: []string{
				`<p class="notice notice--gpc">お使いのブラウザーからグローバル・プライバシー・コントロール（GPC）`,
				`<p class="choices__note" id="category-analytics-note">お使いのブラウザーのGPC信号により`,
				`<p class="choices__note" id="category-advertising-note">`,
				`<label for="consent-analytics">「分析」を許可する</label>`,
				`<label for="consent-necessary">必須（常に有効）</label>`,
				`<dt>送信先の国</dt>
<dd>アメリカ合衆国</dd>`, `<dd>日本</dd>`,
			},
			not: []string{`id="category-embeds-note"`, `id="category-statistics"`, `<dd>US</dd>`, `<dd>JP</dd>`},
		},
		{
			name:    "unknown receipt in the address",
			lang:    "en",
			request: func() *http.Request { return pageRequest("en", "saved=ZZZZZZZZZZZZZZZZZZZZZA") },
			not:     []string{`Your choices have been saved`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hs.do(t, tt.request())
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, res.body)
			}
			checkAccessible(t, res.body)
			for _, s := range tt.want {
				if !strings.Contains(res.body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(res.body, s) {
					t.Errorf("page has %s", s)
				}
			}
		})
	}
}

// TestUnusedCategory checks that a category nothing belongs to is neither
// offered on the choices page nor recorded, that a choice which decided
// it when it was still asked about is not asked again, and that it is
// asked about once a tool joins it.
func TestUnusedCategory(t *testing.T) {
	m := siteManifest(t)
	withCounter := parseManifest(t, "with a counter", edit(t, siteYAML(t), "consent:", counterTool))
	_, tools := allDecided()
	// A choice made when every category was asked about, under another
	// version.
	earlier := consent.Choice{
		Receipt:    "AAAAAAAAAAAAAAAAAAAAAA",
		Given:      clock.Add(-time.Hour),
		Version:    "0123456789ab",
		Policy:     m.ShortHash(),
		Categories: map[string]bool{"preferences": true, "statistics": true, "analytics": true, "advertising": true, "embeds": true},
		Tools:      tools,
	}.CookieValue()
	tests := []struct {
		name   string
		m      *manifest.Manifest
		cookie string
		want   []string
		not    []string
	}{
		{"unused, no choice", m, "", nil, []string{`id="category-statistics"`, `value="statistics"`}},
		{"unused, earlier choice", m, earlier, nil, []string{`id="category-statistics"`, `Added since your last choice`, `badge`}},
		{"used, no choice", withCounter, "", []string{`id="category-statistics"`, `id="consent-tool-visit-counter"`}, nil},
		{"used, earlier choice", withCounter, earlier,
			[]string{`Added since your last choice: Visit counter.`, `<h4 id="tool-visit-counter">Visit counter <strong class="badge">New</strong></h4>`},
			[]string{`<h3 class="choices__legend">Statistics <strong class="badge">`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := sqliteHarness(t)
			hs.m = tt.m
			r := pageRequest("en", "")
			if tt.cookie != "" {
				r = withCookie(r, tt.cookie)
			}
			res := hs.do(t, r)
			for _, s := range tt.want {
				if !strings.Contains(res.body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(res.body, s) {
					t.Errorf("page has %s", s)
				}
			}
		})
	}

	// Nothing records it, whichever way the choice comes: a page written
	// before may still name it.
	posts := map[string]*http.Request{
		"accept all":       formRequest(m, "en", url.Values{"action": {"accept_all"}}),
		"save ticking it":  formRequest(m, "en", url.Values{"action": {"save"}, "category": {"statistics", "analytics"}}),
		"banner naming it": apiRequest(`{"method":"banner","categories":{"statistics":true,"analytics":true}}`),
	}
	for name, r := range posts {
		t.Run(name, func(t *testing.T) {
			hs := sqliteHarness(t)
			c := choiceOf(t, hs.do(t, r))
			if _, ok := c.Categories["statistics"]; ok || !c.Categories["analytics"] {
				t.Errorf("categories %v, want analytics allowed and no statistics", c.Categories)
			}
			if c.Version != consent.Version(hs.m) {
				t.Errorf("version %s, want %s", c.Version, consent.Version(hs.m))
			}
		})
	}
}

// TestChoicesWithoutJavaScript walks the page as a browser without
// JavaScript does: post the form, follow the redirect with the cookie set,
// and read the confirmation.
func TestChoicesWithoutJavaScript(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			hs := sqliteHarness(t)
			res := hs.do(t, formRequest(hs.m, lang, url.Values{"action": {"save"}, "category": {"analytics", "embeds"}}))
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303: %s", res.StatusCode, res.body)
			}
			c := choiceOf(t, res)
			loc := res.Header.Get("Location")
			if want := "/" + lang + "/privacy/choices?saved=" + c.Receipt; loc != want {
				t.Fatalf("Location %q, want %q", loc, want)
			}
			u, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			page := hs.do(t, withCookie(pageRequest(lang, u.RawQuery), consentCookie(t, res).Value))
			checkAccessible(t, page.body)
			confirmation := map[string]string{"ja": "選択を保存しました", "en": "Your choices have been saved"}[lang]
			for _, s := range []string{
				`role="status"`, confirmation, `<code>` + c.Receipt + `</code>`,
				`name="category" value="analytics" checked`, `name="category" value="embeds" checked`,
			} {
				if !strings.Contains(page.body, s) {
					t.Errorf("page after saving lacks %s", s)
				}
			}
			if strings.Contains(page.body, `name="category" value="advertising" checked`) {
				t.Error("advertising is ticked though it was not chosen")
			}
			if rec := mustGet(t, hs.recs, c.Receipt); rec.Method != consent.MethodNoJS || rec.Lang != lang || rec.Kind != consent.KindCustom {
				t.Errorf("record method %q lang %q kind %q", rec.Method, rec.Lang, rec.Kind)
			}

			// A browser that refuses cookies still sees the confirmation,
			// with a warning that the choice cannot apply.
			page = hs.do(t, pageRequest(lang, u.RawQuery))
			warning := map[string]string{"ja": "クッキーを無効にしている可能性があります", "en": "it may be blocking cookies"}[lang]
			if !strings.Contains(page.body, confirmation) || !strings.Contains(page.body, warning) {
				t.Errorf("page without the cookie lacks the confirmation or the warning")
			}
		})
	}
}

// TestChoicesFormStaleVersion checks that a form shown under one manifest
// and posted under another, or posted without the version it was shown
// under, records nothing and shows the page again as it now is, with a
// notice; the same form posted under the manifest it was shown under is
// recorded.
func TestChoicesFormStaleVersion(t *testing.T) {
	shown := siteManifest(t)
	withVimeo := parseManifest(t, "with vimeo", edit(t, siteYAML(t), "consent:", vimeoTool))
	// YouTube moves from embedded content to analytics: the box the
	// visitor ticked under embedded content would now allow analytics.
	moved := parseManifest(t, "youtube moved", edit(t, siteYAML(t), "    category: embeds\n", "    category: analytics\n"))
	tests := []struct {
		name    string
		inForce *manifest.Manifest
		omit    bool
		action  string
		want    []string
	}{
		{name: "same manifest", inForce: shown, action: "save"},
		{name: "tool added, save", inForce: withVimeo, action: "save",
			want: []string{`id="consent-tool-vimeo"`}},
		{name: "tool added, accept all", inForce: withVimeo, action: "accept_all",
			want: []string{`id="consent-tool-vimeo"`}},
		{name: "tool moved, save", inForce: moved, action: "save",
			want: []string{`<ul class="choices__tools" aria-label="Services in “Analytics”">
<li class="choices__tool">
<h4 id="tool-google-analytics">`, `<h4 id="tool-youtube">`}},
		{name: "no version, save", inForce: shown, omit: true, action: "save"},
		{name: "no version, reject all", inForce: shown, omit: true, action: "reject_all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, storetest.SQLite(t), shown)
			page := hs.do(t, pageRequest("en", ""))
			version := ""
			eachStartTag(page.body, func(tok html.Token) {
				if tok.Data == "input" && attrOf(tok, "name") == "consent_version" {
					version = attrOf(tok, "value")
				}
			})
			if version != consent.Version(shown) {
				t.Fatalf("the form carries version %q, want %q", version, consent.Version(shown))
			}
			form := url.Values{"action": {tt.action}, "category": {"embeds"}, "tool": {"youtube"}}
			if !tt.omit {
				form.Set("consent_version", version)
			}
			hs.m = tt.inForce
			res := hs.do(t, postForm("en", form))
			stale := tt.omit || tt.inForce != shown
			if !stale {
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d, want 303: %s", res.StatusCode, res.body)
				}
				if n := countRecords(t, hs); n != 1 {
					t.Errorf("%d records, want 1", n)
				}
				return
			}
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("status %d, want 409: %s", res.StatusCode, res.body)
			}
			if n := countRecords(t, hs); n != 0 {
				t.Errorf("%d records, want none", n)
			}
			if len(res.Cookies()) > 0 {
				t.Error("a refused form set cookies")
			}
			checkAccessible(t, res.body)
			want := append([]string{
				`class="error-summary" role="alert"`,
				`<li><a href="#consent-preferences">The categories or services on this page changed after it was opened, so nothing was saved.`,
				`<input type="hidden" name="consent_version" value="` + consent.Version(tt.inForce) + `">`,
			}, tt.want...)
			for _, s := range want {
				if !strings.Contains(res.body, s) {
					t.Errorf("the page shown again lacks %s", s)
				}
			}
			if strings.Contains(res.body, `value="embeds" checked`) {
				t.Error("the page shown again ticks what was posted but not saved")
			}
		})
	}
}

// countRecords is how many consent records hs holds.
func countRecords(t *testing.T, hs *harness) int {
	t.Helper()
	var n int
	if err := hs.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM consent_records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// attrOf is the value of the attribute key of tok, or "".
func attrOf(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestChoicesFormRefusesBadRequests(t *testing.T) {
	hs := sqliteHarness(t)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		want   string
	}{
		{
			name: "cross-site",
			req: func() *http.Request {
				r := formRequest(hs.m, "en", url.Values{"action": {"accept_all"}})
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				return r
			},
			status: http.StatusForbidden, want: "cross-site",
		},
		{
			name: "too large",
			req: func() *http.Request {
				return formRequest(hs.m, "en", url.Values{"action": {"save"}, "category": {strings.Repeat("a", 8<<10)}})
			},
			status: http.StatusRequestEntityTooLarge, want: "larger than 8192 bytes",
		},
		{
			name: "too large, chunked",
			req: func() *http.Request {
				r := formRequest(hs.m, "en", url.Values{"action": {"save"}, "category": {strings.Repeat("a", 8<<10)}})
				r.ContentLength = -1
				return r
			},
			status: http.StatusRequestEntityTooLarge, want: "larger than 8192 bytes",
		},
		{
			name: "unknown category",
			req: func() *http.Request {
				return formRequest(hs.m, "en", url.Values{"action": {"save"}, "category": {"analytics", "marketing"}})
			},
			status: http.StatusBadRequest, want: `<li><a href="#consent-preferences">The choices have changed since the page was shown, so nothing was saved. Please check them below and choose again. (unknown category &#34;marketing&#34;)</a></li>`,
		},
		{
			name:   "no button",
			req:    func() *http.Request { return formRequest(hs.m, "ja", url.Values{"category": {"analytics"}}) },
			status: http.StatusBadRequest, want: `<li><a href="#choices-save">「選択を保存する」「すべて同意する」「すべて拒否する」のいずれかのボタンを押してください。</a></li>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hs.do(t, tt.req())
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.body)
			}
			if !strings.Contains(res.body, tt.want) {
				t.Errorf("response lacks %s:\n%s", tt.want, res.body)
			}
			if len(res.Cookies()) > 0 {
				t.Errorf("a refused form set cookies")
			}
			if tt.status == http.StatusBadRequest {
				checkAccessible(t, res.body)
				if !strings.Contains(res.body, `class="error-summary" role="alert"`) {
					t.Error("no error summary")
				}
			}
		})
	}
}

// TestChoicesPageLanguages checks that a language the manifest lacks
// answers 404, while the other answers.
func TestChoicesPageLanguages(t *testing.T) {
	hs := sqliteHarness(t)
	hs.m = parseManifest(t, "english only", `schema: 1
languages: [en]
site:
  name: {en: An English site}
operator:
  name: {en: Example Town}
  section: {en: Press office}
  email: press@example.org
  regime: local_government
  ordinance: {name: {en: Example Town Ordinance Implementing the Act on the Protection of Personal Information}}
policy:
  version: "1"
  effective: 2026-01-01
requests:
  fee: {en: A request for disclosure is free of charge.}
  identity: {en: Identity is verified from an identity document.}
  file_register: https://example.org/file-register/
security:
  measures:
    - {en: Traffic is encrypted.}
copyright:
  statement: {en: Copyright Example Town.}
`)
	if res := hs.do(t, pageRequest("ja", "")); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /ja/privacy/choices: status %d, want 404", res.StatusCode)
	}
	if res := hs.do(t, formRequest(hs.m, "ja", url.Values{"action": {"accept_all"}})); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /ja/privacy/choices: status %d, want 404", res.StatusCode)
	}
	res := hs.do(t, pageRequest("en", ""))
	if res.StatusCode != http.StatusOK || strings.Contains(res.body, `hreflang="ja"`) {
		t.Errorf("GET /en/privacy/choices: status %d, or it links to a Japanese page", res.StatusCode)
	}
}

// checkAccessible checks what the page promises to assistive technology:
// every checkbox has a label, sits in a fieldset with a legend, required
// ones are ticked and disabled and described by a note, every id is unique,
// every aria reference and in-page link leads somewhere.
func checkAccessible(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	labels := map[string]bool{}
	var walk func(n *html.Node, fieldset *html.Node)
	var checks []func()
	walk = func(n *html.Node, fieldset *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				ids[id]++
			}
			switch n.Data {
			case "label":
				labels[attr(n, "for")] = true
			case "fieldset":
				fieldset = n
				if n.FirstChild == nil || firstElement(n).Data != "legend" {
					t.Errorf("fieldset %q does not start with a legend", attr(n, "id"))
				}
			case "input":
				if attr(n, "type") == "checkbox" {
					in := n
					if fieldset == nil {
						t.Errorf("checkbox %q is outside a fieldset", attr(in, "id"))
					}
					checks = append(checks, func() {
						if !labels[attr(in, "id")] {
							t.Errorf("checkbox %q has no label", attr(in, "id"))
						}
					})
					_, disabled := attrOK(in, "disabled")
					_, checked := attrOK(in, "checked")
					if disabled && !checked {
						t.Errorf("disabled checkbox %q is not ticked", attr(in, "id"))
					}
					if disabled && !strings.Contains(attr(in, "aria-describedby"), "-note") {
						t.Errorf("disabled checkbox %q is not described by a note", attr(in, "id"))
					}
				}
			}
			for _, a := range []string{"aria-describedby", "aria-labelledby"} {
				for ref := range strings.FieldsSeq(attr(n, a)) {
					checks = append(checks, func() {
						if ids[ref] == 0 {
							t.Errorf("%s refers to missing id %q", a, ref)
						}
					})
				}
			}
			if href := attr(n, "href"); n.Data == "a" && strings.HasPrefix(href, "#") {
				checks = append(checks, func() {
					if ids[href[1:]] == 0 {
						t.Errorf("link to missing id %q", href)
					}
				})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, fieldset)
		}
	}
	walk(doc, nil)
	for _, c := range checks {
		c()
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q is used %d times", id, n)
		}
	}
	if !strings.Contains(page, `<html lang="`) {
		t.Error("the page does not declare its language")
	}
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return &html.Node{}
}
