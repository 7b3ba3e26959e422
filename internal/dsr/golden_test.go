package dsr_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
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

// TestGoldenPages compares every page, in Japanese and English, with
// testdata/golden; -update rewrites the files.
func TestGoldenPages(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		hs := newHarness(t, storetest.SQLite(t))
		hs.submit(lang, dsr.Disclosure, "golden@example.jp", "")
		_, link := hs.link(1)
		u, _ := url.Parse(link)
		hs.submit(lang, dsr.Deletion, "expired@example.jp", "")
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
			t.Run(p.name+"-"+lang, func(t *testing.T) {
				resp := p.resp()
				if resp.status != p.status {
					t.Errorf("status %d, want %d", resp.status, p.status)
				}
				body := tokenValue.ReplaceAllString(resp.body, `value="TOKEN"`)
				body = reference.ReplaceAllString(body, "R-XXXX-XXXX")
				goldentest.Check(t, filepath.Join("testdata", "golden", p.name+"."+lang+".html"), []byte(body))
			})
		}
	}
}
