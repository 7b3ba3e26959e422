package consent_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/site"
)

// blockYAML is a manifest whose tools cover every case of blocking: a
// first-party tool with its own host, a third-party tool that needs no
// consent, gated tools with exact and wildcard hosts, one of which also
// covers the host of the tool that needs no consent, and an embed whose
// recipient needs escaping.
const blockYAML = `schema: 1
languages: [ja, en]
site:
  name: {ja: 例示市, en: Example City}
operator:
  name: {ja: 例示市, en: Example City}
  section: {ja: 広報課, en: Public Relations}
  email: koho@example.jp
  regime: local_government
  ordinance: {name: {ja: 例示市個人情報の保護に関する法律施行条例, en: Example City Ordinance Implementing the Act on the Protection of Personal Information}}
policy:
  version: "1"
  effective: 2026-01-01
requests:
  fee: {ja: 開示請求の手数料は無料です。, en: A request for disclosure is free of charge.}
  identity: {ja: 本人確認書類の提示により、本人であることを確認します。, en: Identity is verified from an identity document.}
  file_register: https://example.jp/kojinjoho/file-bo/
security:
  measures:
    - {ja: 通信を暗号化します。, en: Traffic is encrypted.}
copyright:
  statement: {ja: 著作権は例示市に帰属します。, en: Copyright Example City.}
cookie_categories:
  - id: embeds
    name: {ja: 外部コンテンツ, en: Embedded content}
    description: {ja: 動画などを表示します。, en: Shows videos and the like.}
tools:
  - id: noren
    name: {ja: 配信基盤, en: Serving platform}
    kind: hosting
    party: first
    category: analytics
    information_sent: {ja: ページの要求, en: page requests}
    purpose: {ja: 配信のため, en: to serve pages}
    hosts: [static.example.jp]
  - id: site-search
    name: {ja: サイト内検索, en: Site search}
    kind: search
    party: third
    recipient: {ja: Google LLC, en: Google LLC}
    category: necessary
    information_sent: {ja: 検索語, en: the search terms}
    purpose: {ja: 検索のため, en: to search the site}
    opt_out: https://myadcenter.google.com/
    hosts: [cse.google.com]
  - id: google-analytics
    name: {ja: Google アナリティクス, en: Google Analytics}
    kind: analytics
    party: third
    recipient: {ja: Google LLC, en: Google LLC}
    category: analytics
    information_sent: {ja: 閲覧したページ, en: the pages viewed}
    purpose: {ja: 利用状況の把握のため, en: to understand how the site is used}
    opt_out: https://tools.google.com/dlpage/gaoptout
    hosts: [www.googletagmanager.com, "*.google-analytics.com"]
  - id: ads
    name: {ja: 広告, en: Advertising}
    kind: advertising
    party: third
    recipient: {ja: Google LLC, en: Google LLC}
    category: advertising
    information_sent: {ja: 閲覧履歴, en: browsing history}
    purpose: {ja: 広告のため, en: for advertising}
    opt_out: https://myadcenter.google.com/
    hosts: ["*.google.com", "*.doubleclick.net"]
  - id: video
    name: {ja: 動画 "<埋め込み>", en: Videos "<embedded>"}
    kind: embed
    party: third
    recipient: {ja: "A&B 動画 <株式会社>", en: "A&B \"Video\" <Co>"}
    category: embeds
    information_sent: {ja: ページのアドレス, en: the page address}
    purpose: {ja: 動画を再生するため & 共有, en: to play videos & share}
    opt_out: https://video.example/opt-out
    hosts: [www.youtube-nocookie.com]
`

func blockManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("block.yaml", []byte(blockYAML))
	if err != nil {
		t.Fatalf("block.yaml: %v", err)
	}
	return m
}

// blockNonce is the CSP nonce of the responses the block tests rewrite.
const blockNonce = "bl0ck-n0nce"

// blockTag runs a tag rewriter on the first tag of tag, as the site
// rewriter would for a response with blockNonce, and returns what it
// writes.
func blockTag(t testing.TB, tr site.TagRewriter, lang, tag string) string {
	t.Helper()
	return blockTagNonce(t, tr, lang, blockNonce, tag)
}

// blockTagNonce is blockTag for a response with the given nonce.
func blockTagNonce(t testing.TB, tr site.TagRewriter, lang, nonce, tag string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(tag))
	z.Next()
	tok := z.Token()
	if !slices.Contains(tr.Tags, tok.Data) || tr.Maybe != nil && !tr.Maybe([]byte(tag)) {
		return tag
	}
	req := httptest.NewRequest(http.MethodGet, "/"+lang+"/", nil)
	changed, after := tr.Rewrite(site.Page{Request: req, Lang: lang, Nonce: nonce}, &tok)
	if !changed {
		return tag + after
	}
	return tok.String() + after
}

func TestBlockRewriterTags(t *testing.T) {
	m := blockManifest(t)
	tr := consent.BlockRewriter(func() *manifest.Manifest { return m })
	const (
		nonce  = `nonce="` + blockNonce + `"`
		gaMark = `type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce
	)
	tests := []struct {
		name, in, want string
	}{
		{"script by exact host",
			`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1&amp;l=dl"></script>`,
			`<script async="" src="https://www.googletagmanager.com/gtag/js?id=G-1&amp;l=dl" ` + gaMark + `>`},
		{"script by wildcard host",
			`<script src="https://region1.google-analytics.com/g/collect.js" defer>`,
			`<script src="https://region1.google-analytics.com/g/collect.js" defer="" ` + gaMark + `>`},
		{"wildcard does not cover the domain itself",
			`<script src="https://google-analytics.com/ga.js">`,
			`<script src="https://google-analytics.com/ga.js">`},
		{"protocol-relative, upper case",
			`<SCRIPT SRC="//WWW.GoogleTagManager.COM/gtm.js">`,
			`<script src="//WWW.GoogleTagManager.COM/gtm.js" ` + gaMark + `>`},
		{"unquoted and character references",
			`<script src=https&#58;//www.googletagmanager.com/gtm.js>`,
			`<script src="https://www.googletagmanager.com/gtm.js" ` + gaMark + `>`},
		{"original type kept",
			`<script type="module" src="https://www.googletagmanager.com/m.js">`,
			`<script src="https://www.googletagmanager.com/m.js" type="text/plain" data-noren-type="module" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce + `>`},
		{"JavaScript type with parameters",
			`<script type="text/javascript; charset=utf-8" src="https://www.googletagmanager.com/m.js">`,
			`<script src="https://www.googletagmanager.com/m.js" type="text/plain" data-noren-type="text/javascript; charset=utf-8" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce + `>`},
		{"repeated type attributes all go",
			`<script src="https://www.googletagmanager.com/m.js" type="" TYPE="module">`,
			`<script src="https://www.googletagmanager.com/m.js" ` + gaMark + `>`},
		{"data block is not run, so not held",
			`<script type="application/ld+json" src="https://www.googletagmanager.com/d.json">`,
			`<script type="application/ld+json" src="https://www.googletagmanager.com/d.json">`},
		{"SVG script by href",
			`<script href="https://www.googletagmanager.com/s.js">`,
			`<script href="https://www.googletagmanager.com/s.js" ` + gaMark + `>`},
		{"first-party tool untouched, whatever its category",
			`<script src="https://static.example.jp/app.js">`,
			`<script src="https://static.example.jp/app.js">`},
		{"required tool untouched, though a gated wildcard covers it",
			`<script src="https://cse.google.com/cse.js?cx=1">`,
			`<script src="https://cse.google.com/cse.js?cx=1">`},
		{"gated wildcard next to a required host",
			`<script src="https://adservice.google.com/ads.js">`,
			`<script src="https://adservice.google.com/ads.js" type="text/plain" data-noren-category="advertising" data-noren-tool="ads" ` + nonce + `>`},
		{"the content's own nonce gives way",
			`<script nonce="guessed" src="https://www.googletagmanager.com/a.js" NONCE="again">`,
			`<script src="https://www.googletagmanager.com/a.js" ` + gaMark + `>`},
		{"relative and local scripts",
			`<script src="/assets/site.js">`,
			`<script src="/assets/site.js">`},
		{"inline script",
			`<script>gtag('config', 'G-1')</script>`,
			`<script>gtag('config', 'G-1')</script>`},
		{"empty and broken src",
			`<script src="https://">`,
			`<script src="https://">`},
		{"javascript: URL naming a gated host",
			`<script src="javascript://www.googletagmanager.com/%0a1">`,
			`<script src="javascript://www.googletagmanager.com/%0a1">`},

		// The held-back form written by hand: what the content claims
		// counts only where the policy admits the script anyway.
		{"by hand on a tool's host: the manifest names the tool",
			`<script type="text/plain" data-noren-category="necessary" src="https://www.googletagmanager.com/gtag/js">`,
			`<script src="https://www.googletagmanager.com/gtag/js" ` + gaMark + `>`},
		{"by hand on the site itself, with a tool",
			`<script type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" src="/assets/ga.js">`,
			`<script src="/assets/ga.js" ` + gaMark + `>`},
		{"by hand on the site itself: the tool decides the category",
			`<script type="text/plain" data-noren-category="necessary" data-noren-tool="ads" src="ads.js">`,
			`<script src="ads.js" type="text/plain" data-noren-category="advertising" data-noren-tool="ads" ` + nonce + `>`},
		{"by hand on the site itself, with a category",
			`<script type="text/plain" data-noren-category="embeds" data-noren-type="module" src="../video.js">`,
			`<script src="../video.js" type="text/plain" data-noren-type="module" data-noren-category="embeds" ` + nonce + `>`},
		{"by hand on a third-party host that needs no consent",
			`<script type="text/plain" data-noren-category="necessary" src="https://cse.google.com/cse.js">`,
			`<script src="https://cse.google.com/cse.js" type="text/plain" data-noren-category="necessary" ` + nonce + `>`},
		{"by hand, inline: never run",
			`<script type="text/plain" data-noren-category="necessary">alert(1)</script>`,
			`<script type="text/plain">`},
		{"by hand, inline with a tool: never run",
			`<script type="TEXT/PLAIN" DATA-NOREN-CATEGORY="analytics" data-noren-tool="google-analytics" nonce="x">`,
			`<script type="TEXT/PLAIN" nonce="x">`},
		{"by hand from a host the policy does not admit",
			`<script type="text/plain" data-noren-category="necessary" src="https://evil.example/x.js">`,
			`<script type="text/plain" src="https://evil.example/x.js">`},
		{"by hand from a first-party tool's host, which the policy does not list",
			`<script type="text/plain" data-noren-category="necessary" src="https://static.example.jp/x.js">`,
			`<script type="text/plain" src="https://static.example.jp/x.js">`},
		{"by hand, protocol-relative in disguise",
			`<script type="text/plain" data-noren-category="necessary" src="/&#9;\evil.example/x.js">`,
			`<script type="text/plain" src="/	\evil.example/x.js">`},
		{"by hand, data: URL",
			`<script type="text/plain" data-noren-category="necessary" src="data:text/javascript,alert(1)">`,
			`<script type="text/plain" src="data:text/javascript,alert(1)">`},
		{"by hand, javascript: URL",
			`<script type="text/plain" data-noren-category="necessary" src=" java&#10;script:alert(1)">`,
			`<script type="text/plain" src=" java
script:alert(1)">`},
		{"by hand, unknown tool",
			`<script type="text/plain" data-noren-tool="nobody" data-noren-category="analytics" src="/x.js">`,
			`<script type="text/plain" src="/x.js">`},
		{"by hand, unknown category",
			`<script type="text/plain" data-noren-category="everything" src="/x.js">`,
			`<script type="text/plain" src="/x.js">`},
		{"by hand, a data block",
			`<script type="text/plain" data-noren-category="analytics" data-noren-type="application/json" src="/x.json">`,
			`<script type="text/plain" src="/x.json">`},
		{"claims on a script that runs anyway are dropped",
			`<script data-noren-category="preferences" src="https://www.googletagmanager.com/x.js">`,
			`<script src="https://www.googletagmanager.com/x.js" ` + gaMark + `>`},
		{"claims on a local script are dropped",
			`<script data-noren-category="analytics" data-noren-whatever src="/x.js">`,
			`<script src="/x.js">`},

		{"preconnect neutralised",
			`<link rel="preconnect" href="https://www.googletagmanager.com" crossorigin>`,
			`<link rel="preconnect" crossorigin="" data-noren-href="https://www.googletagmanager.com" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce + `>`},
		{"dns-prefetch neutralised",
			`<link rel="dns-prefetch" href="//stats.g.doubleclick.net">`,
			`<link rel="dns-prefetch" data-noren-href="//stats.g.doubleclick.net" data-noren-category="advertising" data-noren-tool="ads" ` + nonce + `>`},
		{"preload of images by imagesrcset",
			`<link rel="preload" as="image" href="/hero.png" imagesrcset="/hero.png 1x, https://www.youtube-nocookie.com/t.jpg 2x">`,
			`<link rel="preload" as="image" data-noren-href="/hero.png" data-noren-imagesrcset="/hero.png 1x, https://www.youtube-nocookie.com/t.jpg 2x" data-noren-category="embeds" data-noren-tool="video" ` + nonce + `>`},
		{"alternate stylesheet fetches",
			`<link rel="alternate stylesheet" href="https://www.googletagmanager.com/s.css">`,
			`<link rel="alternate stylesheet" data-noren-href="https://www.googletagmanager.com/s.css" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce + `>`},
		{"navigational link untouched",
			`<link rel="canonical" href="https://www.googletagmanager.com/">`,
			`<link rel="canonical" href="https://www.googletagmanager.com/">`},
		{"link held by hand loses the claim",
			`<link rel="stylesheet" data-noren-category="necessary" data-noren-href="https://evil.example/x.css">`,
			`<link rel="stylesheet">`},
		{"tracking pixel neutralised",
			`<img height="1" width="1" alt="" src="https://www.google-analytics.com/collect?v=1&amp;t=pageview">`,
			`<img height="1" width="1" alt="" data-noren-src="https://www.google-analytics.com/collect?v=1&amp;t=pageview" data-noren-category="analytics" data-noren-tool="google-analytics" ` + nonce + `>`},
		{"image by srcset",
			`<img src="/a.png" srcset="/a.png 1x, https://ad.doubleclick.net/b.png 2x" alt="x">`,
			`<img alt="x" data-noren-src="/a.png" data-noren-srcset="/a.png 1x, https://ad.doubleclick.net/b.png 2x" data-noren-category="advertising" data-noren-tool="ads" ` + nonce + `>`},
		{"image held by hand loses the claim",
			`<img src="/a.png" data-noren-category="necessary" data-noren-src="https://evil.example/p.gif" alt="">`,
			`<img src="/a.png" alt="">`},
		{"held image keeps only the held addresses",
			`<img data-noren-srcset="https://evil.example/p.gif 2x" src="https://ad.doubleclick.net/p.gif">`,
			`<img data-noren-src="https://ad.doubleclick.net/p.gif" data-noren-category="advertising" data-noren-tool="ads" ` + nonce + `>`},
		{"picture source",
			`<source srcset="https://www.youtube-nocookie.com/t.webp" type="image/webp">`,
			`<source type="image/webp" data-noren-srcset="https://www.youtube-nocookie.com/t.webp" data-noren-category="embeds" data-noren-tool="video" ` + nonce + `>`},
		{"local image",
			`<img src="/assets/logo.svg" alt="">`,
			`<img src="/assets/logo.svg" alt="">`},
		{"other elements untouched",
			`<a href="https://www.googletagmanager.com/">`,
			`<a href="https://www.googletagmanager.com/">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := blockTag(t, tr, "en", tt.in); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("without a nonce, held back all the same", func(t *testing.T) {
		const want = `<script src="https://www.googletagmanager.com/a.js" type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics">`
		if got := blockTagNonce(t, tr, "en", "", `<script nonce="x" src="https://www.googletagmanager.com/a.js">`); got != want {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}

// iframeAttrs rewrites an iframe tag and returns its attributes.
func iframeAttrs(t *testing.T, tr site.TagRewriter, lang, tag string) map[string]string {
	t.Helper()
	out := blockTag(t, tr, lang, tag)
	z := html.NewTokenizer(strings.NewReader(out))
	z.Next()
	attrs := map[string]string{}
	for _, a := range z.Token().Attr {
		if _, dup := attrs[a.Key]; dup {
			t.Errorf("attribute %s twice in %s", a.Key, out)
		}
		attrs[a.Key] = a.Val
	}
	return attrs
}

func TestBlockRewriterIframes(t *testing.T) {
	m := blockManifest(t)
	tr := consent.BlockRewriter(func() *manifest.Manifest { return m })
	const src = "https://www.youtube-nocookie.com/embed/abc?start=10&rel=0"
	tests := []struct {
		name, lang, tag string
		title           string
		texts           []string // in the placeholder, as a reader sees them
		link            string
	}{
		{
			name:  "title added, English notice",
			lang:  "en",
			tag:   `<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/abc?start=10&amp;rel=0" allowfullscreen>`,
			title: `Videos "<embedded>"`,
			texts: []string{
				`This content is provided by A&B "Video" <Co>. Showing it sends information to A&B "Video" <Co>, so it is not loaded until you agree.`,
				"Purpose: to play videos & share",
				"Open it on the provider’s site",
			},
			link: src,
		},
		{
			name:  "own title kept, Japanese notice",
			lang:  "ja",
			tag:   `<IFRAME TITLE="市長の会見" SRC="//www.youtube-nocookie.com/embed/abc?start=10&amp;rel=0"></IFRAME>`,
			title: "市長の会見",
			texts: []string{
				"このコンテンツはA&B 動画 <株式会社>が提供しています。表示するとA&B 動画 <株式会社>に情報が送信されるため、同意をいただくまで読み込みません。",
				"利用目的：動画を再生するため & 共有",
				"A&B 動画 <株式会社>のサイトで見る",
			},
			link: src,
		},
		{
			name:  "empty title replaced, odd URL linked by host",
			lang:  "en",
			tag:   `<iframe title=" " src="https:\\www.youtube-nocookie.com\embed\abc">`,
			title: `Videos "<embedded>"`,
			texts: []string{"Purpose: to play videos & share"},
			link:  "https://www.youtube-nocookie.com/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := iframeAttrs(t, tr, tt.lang, tt.tag)
			if _, ok := attrs["src"]; ok {
				t.Errorf("the iframe keeps its src: %v", attrs)
			}
			if attrs["data-noren-category"] != "embeds" || attrs["data-noren-tool"] != "video" || attrs["nonce"] != blockNonce {
				t.Errorf("category %q, tool %q, nonce %q", attrs["data-noren-category"], attrs["data-noren-tool"], attrs["nonce"])
			}
			if attrs["title"] != tt.title {
				t.Errorf("title %q, want %q", attrs["title"], tt.title)
			}
			doc, err := html.Parse(strings.NewReader(attrs["srcdoc"]))
			if err != nil {
				t.Fatal(err)
			}
			var text []string
			var links []*html.Node
			for n := range doc.Descendants() {
				switch {
				case n.Type == html.ElementNode && n.Data == "p":
					var b strings.Builder
					for c := range n.Descendants() {
						if c.Type == html.TextNode {
							b.WriteString(c.Data)
						}
					}
					text = append(text, b.String())
				case n.Type == html.ElementNode && n.Data == "a":
					links = append(links, n)
				case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "img" || n.Data == "iframe"):
					t.Errorf("the placeholder holds a <%s>", n.Data)
				}
			}
			for _, w := range tt.texts {
				if !slices.Contains(text, w) {
					t.Errorf("placeholder lacks %q; it says %q", w, text)
				}
			}
			if len(links) != 1 {
				t.Fatalf("%d links in the placeholder", len(links))
			}
			got := map[string]string{}
			for _, a := range links[0].Attr {
				got[a.Key] = a.Val
			}
			if got["href"] != tt.link || got["target"] != "_top" || got["rel"] != "noopener" {
				t.Errorf("link %v, want href %s with target _top and rel noopener", got, tt.link)
			}
		})
	}
	t.Run("src kept in data-noren-src", func(t *testing.T) {
		attrs := iframeAttrs(t, tr, "en", `<iframe src="`+strings.ReplaceAll(src, "&", "&amp;")+`" src="/second">`)
		if attrs["data-noren-src"] != src {
			t.Errorf("data-noren-src %q, want %q", attrs["data-noren-src"], src)
		}
	})
	t.Run("the content's data-noren-src gives way", func(t *testing.T) {
		attrs := iframeAttrs(t, tr, "en", `<iframe data-noren-src="https://evil.example/" nonce="x" src="`+strings.ReplaceAll(src, "&", "&amp;")+`">`)
		if attrs["data-noren-src"] != src || attrs["nonce"] != blockNonce {
			t.Errorf("data-noren-src %q, nonce %q; want %q, %q", attrs["data-noren-src"], attrs["nonce"], src, blockNonce)
		}
	})
	for name, tag := range map[string]string{
		"srcdoc wins over src": `<iframe srcdoc="<p>hi</p>" src="https://www.youtube-nocookie.com/embed/a">`,
		"local frame":          `<iframe src="/map.html">`,
		"no src":               `<iframe name="x">`,
	} {
		t.Run(name, func(t *testing.T) {
			if got := blockTag(t, tr, "en", tag); got != tag {
				t.Errorf("changed to %s", got)
			}
		})
	}
	t.Run("held back by hand: the claim goes, nothing is held", func(t *testing.T) {
		const tag = `<iframe title="x" data-noren-category="embeds" data-noren-tool="video" data-noren-src="https://evil.example/a">`
		if got, want := blockTag(t, tr, "en", tag), `<iframe title="x">`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

// TestBlockRewriterFollowsTheManifest checks that a reloaded manifest
// changes what is held back.
func TestBlockRewriterFollowsTheManifest(t *testing.T) {
	m := blockManifest(t)
	current := m
	tr := consent.BlockRewriter(func() *manifest.Manifest { return current })
	const tag = `<script src="https://www.googletagmanager.com/gtag/js">`
	if got := blockTag(t, tr, "en", tag); got == tag {
		t.Fatal("not held back")
	}
	edited, err := manifest.Parse("edited", []byte(strings.Replace(blockYAML, "hosts: [www.googletagmanager.com, ", "hosts: [", 1)))
	if err != nil {
		t.Fatal(err)
	}
	current = edited
	if got := blockTag(t, tr, "en", tag); got != tag {
		t.Errorf("still held back after the host left the manifest: %s", got)
	}
}

// blockServer serves page through an injector with the block and share
// rewriters, as Noren wires them, in responses whose nonce is blockNonce.
func blockServer(t testing.TB, m *manifest.Manifest, page string) http.Handler {
	t.Helper()
	return blockServerNonce(t, m, blockNonce, page)
}

// blockServerNonce is blockServer for responses with the given nonce.
func blockServerNonce(t testing.TB, m *manifest.Manifest, nonce, page string) http.Handler {
	t.Helper()
	in, err := site.NewInjector(site.Options{
		Languages:       []string{"ja", "en"},
		DefaultLanguage: "ja",
		Nonce:           func(*http.Request) string { return nonce },
		Injection: site.Injection{StartTags: []site.TagRewriter{
			consent.BlockRewriter(func() *manifest.Manifest { return m }),
			consent.ShareRewriter(),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return in.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
}

// TestBlockRewriterPage checks a whole page served over HTTP, including
// the content of <noscript>, which browsers without scripts load.
func TestBlockRewriterPage(t *testing.T) {
	const page = `<!DOCTYPE html><html lang="en"><head><title>News</title>
<link rel="preconnect" href="https://www.googletagmanager.com">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<script type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" src="/assets/ga.js"></script>
<script type="text/plain" data-noren-category="necessary">alert('injected')</script>
</head><body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-1" height="0" width="0"></iframe><img src="https://ad.doubleclick.net/p.gif" alt=""></noscript>
<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Video"></iframe>
<img src="/assets/logo.svg" alt="Example City">
</body></html>`
	srv := httptest.NewServer(blockServer(t, blockManifest(t), page))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/en/news/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := string(body)
	const ga = `data-noren-category="analytics" data-noren-tool="google-analytics" nonce="` + blockNonce + `"`
	for _, want := range []string{
		`<link rel="preconnect" data-noren-href="https://www.googletagmanager.com" ` + ga + `>`,
		`<script async="" src="https://www.googletagmanager.com/gtag/js?id=G-1" type="text/plain" ` + ga + `></script>`,
		`<script src="/assets/ga.js" type="text/plain" ` + ga + `></script>`,
		`<script type="text/plain">alert('injected')</script>`,
		`<noscript><iframe height="0" width="0" data-noren-src="https://www.googletagmanager.com/ns.html?id=GTM-1" title="Google Analytics" srcdoc="`,
		`<img alt="" data-noren-src="https://ad.doubleclick.net/p.gif" data-noren-category="advertising" data-noren-tool="ads" nonce="` + blockNonce + `"></noscript>`,
		`<iframe title="Video" data-noren-src="https://www.youtube-nocookie.com/embed/abc" srcdoc="`,
		`" data-noren-category="embeds" data-noren-tool="video" nonce="` + blockNonce + `"></iframe>`,
		`<img src="/assets/logo.svg" alt="Example City">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("page lacks %s\n%s", want, got)
		}
	}
}

// blockGated reports every element of an HTML page, down into <noscript>,
// that would still load from a gated tool: one that does not carry
// data-noren-category and has a URL attribute naming a gated host.
func blockGated(page string, gated func(ref string) bool) []string {
	var leaks []string
	eachStartTag(page, func(tok html.Token) { leaks = append(leaks, blockLeak(tok, gated)...) })
	return leaks
}

func blockLeak(tok html.Token, gated func(ref string) bool) []string {
	first := map[string]string{}
	for _, a := range tok.Attr {
		if _, ok := first[a.Key]; !ok {
			first[a.Key] = a.Val
		}
	}
	if _, ok := first["data-noren-category"]; ok {
		return nil
	}
	var keys []string
	switch tok.Data {
	case "script":
		if typ, ok := first["type"]; ok && typ != "" && !strings.Contains(strings.ToLower(typ), "javascript") && !strings.EqualFold(strings.TrimSpace(typ), "module") {
			return nil
		}
		keys = []string{"src", "href", "xlink:href"}
	case "iframe":
		if _, ok := first["srcdoc"]; ok {
			return nil
		}
		keys = []string{"src"}
	case "img", "source":
		keys = []string{"src", "srcset"}
	case "link":
		fetches := false
		for _, r := range strings.Fields(strings.ToLower(first["rel"])) {
			switch r {
			case "stylesheet", "preconnect", "dns-prefetch", "preload", "prefetch", "modulepreload",
				"prerender", "icon", "apple-touch-icon", "manifest":
				fetches = true
			}
		}
		if !fetches {
			return nil
		}
		keys = []string{"href", "imagesrcset"}
	}
	var leaks []string
	for _, k := range keys {
		v, ok := first[k]
		if !ok {
			continue
		}
		urls := []string{v}
		if strings.HasSuffix(k, "srcset") {
			urls = nil
			for u := range site.SrcsetURLs(v) {
				urls = append(urls, u)
			}
		}
		for _, u := range urls {
			if gated(u) {
				leaks = append(leaks, tok.String())
			}
		}
	}
	return leaks
}

// blockUnbound reports every element of an HTML page, down into
// <noscript>, that consent.js might act on without this response's rewrite
// having held it back: an element of the kinds it restores with a
// data-noren-* attribute but without the response's nonce, or a held-back
// script without an address, whose inline code consent.js would run,
// that was not an ordinary script before.
func blockUnbound(page, nonce string) []string {
	var found []string
	eachStartTag(page, func(tok html.Token) {
		if !slices.Contains([]string{"script", "iframe", "link", "img", "source"}, tok.Data) {
			return
		}
		first := map[string]string{}
		marked := false
		for _, a := range tok.Attr {
			if _, ok := first[a.Key]; !ok {
				first[a.Key] = a.Val
			}
			marked = marked || strings.HasPrefix(a.Key, "data-noren-")
		}
		_, src := first["src"]
		_, href := first["href"]
		switch {
		case marked && first["nonce"] != nonce:
			found = append(found, tok.String())
		case tok.Data == "script" && marked && !src && !href && !ranAsScript(first["data-noren-type"]):
			// Inline code is held back only as a tool's snippet written
			// as an ordinary script, which would have run anyway.
			found = append(found, tok.String())
		}
	})
	return found
}

// ranAsScript reports whether a held-back script's own type, kept in
// data-noren-type, is one browsers run.
func ranAsScript(typ string) bool {
	t := strings.ToLower(strings.TrimSpace(typ))
	return t == "" || t == "module" || strings.HasSuffix(t, "/javascript") || strings.HasSuffix(t, "/ecmascript")
}

// FuzzBlockRewrite rewrites any page and checks that nothing in the result
// still loads from a gated tool, that whatever consent.js could bring to
// life carries the response's nonce, and that a second rewrite, for another
// response, leaves nothing bound to the first: what one page held back
// cannot be replayed as content.
func FuzzBlockRewrite(f *testing.F) {
	f.Add(`<script src="https://www.googletagmanager.com/gtag/js"></script><iframe src="//www.youtube-nocookie.com/embed/x"></iframe>`)
	f.Add(`<noscript><img src="https://ad.doubleclick.net/p.gif"></noscript><link rel=preload href=https://cse.google.com/x>`)
	f.Add(`<script type="text/plain" data-noren-category="necessary">alert(1)</script><script type=text/plain data-noren-tool=ads src=/a.js nonce=x></script>`)
	f.Add(`<iframe data-noren-src="https://evil.example/" data-noren-category="necessary"></iframe><img data-noren-src=//evil.example/p data-noren-category=necessary>`)
	m := blockManifest(f)
	gated := func(ref string) bool {
		host := site.URLHost(ref)
		if host == "" || host == "cse.google.com" || host == "static.example.jp" {
			return false
		}
		for _, p := range []string{"www.googletagmanager.com", "*.google-analytics.com", "*.google.com", "*.doubleclick.net", "www.youtube-nocookie.com"} {
			if site.HostMatches(p, host) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, page string) {
		once := blockRecorded(t, blockServer(t, m, page))
		if leaks := blockGated(once, gated); len(leaks) > 0 {
			t.Fatalf("still loads from gated tools: %q\nin %q\nfrom %q", leaks, once, page)
		}
		if unbound := blockUnbound(once, blockNonce); len(unbound) > 0 {
			t.Fatalf("held back without the response's nonce: %q\nin %q\nfrom %q", unbound, once, page)
		}
		twice := blockRecorded(t, blockServerNonce(t, m, "an0ther", once))
		if leaks := blockGated(twice, gated); len(leaks) > 0 {
			t.Fatalf("a second rewrite lets through: %q\nin %q", leaks, twice)
		}
		if unbound := blockUnbound(twice, "an0ther"); len(unbound) > 0 {
			t.Fatalf("a second rewrite keeps what the first bound: %q\nin %q\nfrom %q", unbound, twice, once)
		}
	})
}

// blockRecorded serves one request in memory and returns the body.
func blockRecorded(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/en/", nil))
	return rec.Body.String()
}

// BenchmarkRewritePage compares the streaming rewrite of a page of about
// 100 kB with no tag rewriters, with the consent rewriters on a page that
// needs none of their changes, and on the same page with a gated script,
// a video and share links to rewrite.
func BenchmarkRewritePage(b *testing.B) {
	m := blockManifest(b)
	var plain strings.Builder
	plain.WriteString(`<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>お知らせ | 例示市</title>` +
		`<link rel="stylesheet" href="/assets/site.css"><script src="/assets/site.js" defer></script></head><body>` +
		`<header><img src="/assets/logo.svg" alt="例示市" width="48" height="48"></header><main>`)
	for i := 0; plain.Len() < 100<<10; i++ {
		fmt.Fprintf(&plain, "<section><h2>項目 %d</h2><p>本文 <a href=\"/ja/news/%d/\">詳しく</a>。<img src=\"/img/%d.png\" alt=\"\"></p></section>\n", i, i, i)
	}
	plainPage := plain.String() + `</main></body></html>`
	rewrittenPage := strings.Replace(plainPage, "</head>",
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head>`, 1)
	rewrittenPage = strings.Replace(rewrittenPage, "</main>",
		`<iframe src="https://www.youtube-nocookie.com/embed/abc" title="動画"></iframe><noren-share></noren-share></main>`, 1)

	noRewriters, err := site.NewInjector(site.Options{Languages: []string{"ja", "en"}, DefaultLanguage: "ja"})
	if err != nil {
		b.Fatal(err)
	}
	serve := func(page string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		})
	}
	// With a policy carrying the response's nonce, as Noren's middleware
	// sets it, the page's inline code is fitted to it and the headers wait
	// for the page.
	withPolicy := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "script-src 'self' 'nonce-"+blockNonce+"'")
			h.ServeHTTP(w, r)
		})
	}
	handlersPage := strings.ReplaceAll(plainPage, "<p>本文", `<p onclick="track(this)" style="margin:0">本文`)
	cases := []struct {
		name string
		h    http.Handler
		size int
	}{
		{"no-rewriters", noRewriters.Wrap(serve(plainPage)), len(plainPage)},
		{"rewriters-nothing-to-do", blockServer(b, m, plainPage), len(plainPage)},
		{"rewriters-rewriting", blockServer(b, m, rewrittenPage), len(rewrittenPage)},
		{"rewriters-policy", withPolicy(blockServer(b, m, plainPage)), len(plainPage)},
		{"rewriters-policy-handlers", withPolicy(blockServer(b, m, handlersPage)), len(handlersPage)},
	}
	req := httptest.NewRequest(http.MethodGet, "/ja/news/", nil)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
