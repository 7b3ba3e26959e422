package dsr_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/store/storetest"
)

var (
	tokenValue = regexp.MustCompile(`value="[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"`)
	reference  = regexp.MustCompile(`R-[A-Z2-7]{4}-[A-Z2-7]{4}`)
)

// TestGoldenPages compares every page, in Japanese and English, for the
// demo's public body (<page>.<lang>.html) and a business
// (<page>.business.<lang>.html), with testdata/golden; -update rewrites the
// files.
func TestGoldenPages(t *testing.T) {
	regimes := []struct {
		suffix string
		edit   func(*dsr.Options)
	}{
		{"", func(*dsr.Options) {}},
		{".business", business(t)},
	}
	for _, rg := range regimes {
		for _, lang := range []string{"ja", "en"} {
			goldenPages(t, rg.suffix, lang, rg.edit)
		}
	}
}

// goldenPages checks the pages in lang against the golden files ending in
// suffix.lang.html.
func goldenPages(t *testing.T, suffix, lang string, edit func(*dsr.Options)) {
	hs := newHarness(t, storetest.SQLite(t), edit)
	hs.submit(lang, dsr.Disclosure, "golden@example.jp", "")
	_, link := hs.link(1)
	u, _ := url.Parse(link)
	hs.submit(lang, dsr.Cessation, "expired@example.jp", cessationReason)
	_, expired := hs.link(2)

	pages := []struct {
		name   string
		status int
		resp   func() response
	}{
		{"form", http.StatusOK, func() response { return hs.get(dsr.Path(lang)) }},
		{"errors", http.StatusBadRequest, func() response {
			return hs.post(dsr.Path(lang), url.Values{"kind": {"correction"}, "email": {"not an address"}}.Encode(), "")
		}},
		{"sent", http.StatusOK, func() response { return hs.get(dsr.Path(lang) + "?sent=1") }},
		{"confirm", http.StatusOK, func() response { return hs.get(link) }},
		{"verified", http.StatusOK, func() response {
			return hs.post(u.Path, url.Values{"t": {u.Query().Get("t")}}.Encode(), "")
		}},
		{"used", http.StatusGone, func() response { return hs.get(link) }},
		{"expired", http.StatusGone, func() response {
			hs.clock.Advance(time.Hour)
			return hs.get(expired)
		}},
		{"invalid", http.StatusBadRequest, func() response { return hs.get(u.Path + "?t=x") }},
	}
	for _, p := range pages {
		t.Run(p.name+suffix+"-"+lang, func(t *testing.T) {
			resp := p.resp()
			if resp.status != p.status {
				t.Errorf("status %d, want %d", resp.status, p.status)
			}
			body := tokenValue.ReplaceAllString(resp.body, `value="TOKEN"`)
			body = reference.ReplaceAllString(body, "R-XXXX-XXXX")
			// The version label carries the manifest's hash, which any
			// edit of the demo's manifest changes.
			body = strings.ReplaceAll(body, hs.manifest().VersionLabel(), "VERSION")
			goldentest.Check(t, filepath.Join("testdata", "golden", p.name+suffix+"."+lang+".html"), []byte(body))
		})
	}
}
