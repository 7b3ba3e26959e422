package consent_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// demoNonce is the CSP nonce of the demo pages served in tests.
const demoNonce = "d3m0-n0nce"

// TestDemoLoadsNothingFromOthersBeforeConsent serves every page of the
// bundled demo site through the consent rewriters, as noren demo does, and
// checks that nothing in it reaches another site before the visitor allows
// it: every element that would load from elsewhere is held back. It also
// checks the pieces the demo shows off: the Google Analytics tag on every
// page, the video, and the share links on news articles.
func TestDemoLoadsNothingFromOthersBeforeConsent(t *testing.T) {
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Consent.GoogleConsentMode {
		t.Error("the demo manifest does not turn on Google Consent Mode")
	}
	siteFS, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		t.Fatal(err)
	}
	h, err := site.NewStatic(siteFS, site.Options{
		Languages:       m.Languages,
		DefaultLanguage: m.DefaultLang,
		Nonce:           func(*http.Request) string { return demoNonce },
		Injection: site.Injection{StartTags: []site.TagRewriter{
			consent.BlockRewriter(func() *manifest.Manifest { return m }),
			consent.ShareRewriter(),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	pages, err := fs.Glob(siteFS, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{"*/*.html", "*/*/index.html", "*/*/*/index.html"} {
		more, err := fs.Glob(siteFS, pattern)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, more...)
	}
	if len(pages) < 20 {
		t.Fatalf("found only %d pages: %q", len(pages), pages)
	}
	var videos, shared int
	for _, file := range pages {
		urlPath := "/" + strings.TrimSuffix(file, "index.html")
		t.Run(urlPath, func(t *testing.T) {
			resp, err := http.Get(srv.URL + urlPath)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			page := string(raw)
			for _, leak := range demoExternalLoads(page) {
				t.Errorf("loads from another site before consent: %s", leak)
			}
			if unbound := blockUnbound(page, demoNonce); len(unbound) > 0 {
				t.Errorf("held back without the response's nonce: %q", unbound)
			}
			for _, want := range []string{
				`<script async="" src="https://www.googletagmanager.com/gtag/js?id=G-NOREN0DEMO" type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" nonce="` + demoNonce + `"></script>`,
				`<script src="/assets/analytics.js" type="text/plain" data-noren-category="analytics" data-noren-tool="google-analytics" nonce="` + demoNonce + `"></script>`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			if strings.Contains(page, `data-noren-tool="youtube"`) {
				videos++
				if !strings.Contains(page, `<iframe title="`) || !strings.Contains(page, `data-noren-src="https://www.youtube-nocookie.com/embed/`) || !strings.Contains(page, `srcdoc="`) {
					t.Error("the video is not held back with a notice")
				}
			}
			isArticle := strings.Count(file, "/") == 3 && strings.Contains(file, "/news/")
			hasShare := strings.Contains(page, `<ul class="noren-share"`)
			if hasShare {
				shared++
			}
			if isArticle != hasShare {
				t.Errorf("article %v, share links %v", isArticle, hasShare)
			}
		})
	}
	if videos != 2 {
		t.Errorf("%d pages hold a video, want the article in each language", videos)
	}
	if shared != 10 {
		t.Errorf("%d pages have share links, want every news article", shared)
	}
}

// demoExternalLoads lists the elements of a page, down into <noscript>,
// that make the browser contact another site as soon as the page loads:
// every URL attribute that names a host, except links to follow and
// elements held back for consent.
func demoExternalLoads(page string) []string {
	var leaks []string
	eachStartTag(page, func(tok html.Token) {
		if tok.Data == "a" {
			return
		}
		for _, a := range tok.Attr {
			if a.Key == "data-noren-category" {
				return
			}
		}
		for _, a := range tok.Attr {
			switch a.Key {
			case "src", "href", "poster", "data", "action", "formaction", "background", "xlink:href":
				if tok.Data == "link" && a.Key == "href" && demoNavigational(tok) {
					continue
				}
				if site.URLHost(a.Val) != "" {
					leaks = append(leaks, tok.String())
				}
			case "srcset", "imagesrcset":
				for u := range site.SrcsetURLs(a.Val) {
					if site.URLHost(u) != "" {
						leaks = append(leaks, tok.String())
					}
				}
			}
		}
	})
	return leaks
}

// demoNavigational reports whether a <link> only points somewhere, such as
// the page in another language, without fetching it.
func demoNavigational(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "rel" {
			for _, r := range strings.Fields(strings.ToLower(a.Val)) {
				if r != "alternate" && r != "canonical" && r != "privacy-policy" {
					return false
				}
			}
			return true
		}
	}
	return false
}
