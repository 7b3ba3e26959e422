package site

import (
	"net/http"
	"strings"
	"testing"
)

// TestSharedHugoFixtureRoot serves the shared Hugo-like fixture, a site
// without language folders: its root page must be reachable for every
// visitor, and the 404 page must lead back to it.
func TestSharedHugoFixtureRoot(t *testing.T) {
	opt := testOptions()
	opt.RedirectRoot = true
	srv := staticServer(t, DirFS("../../testdata/sites/hugo"), opt)
	for _, lang := range []string{"en-US,en;q=0.9", "ja-JP", ""} {
		resp, body := fetch(t, srv, http.MethodGet, "/", "Accept-Language: "+lang)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<footer id="noren-footer"`) {
			t.Errorf("/ for %q: status %d, Location %q", lang, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, body := fetch(t, srv, http.MethodGet, "/no-such-page/")
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, `href="/en/"`) || strings.Contains(body, `href="/ja/"`) {
		t.Errorf("404: status %d, links to a language folder the site does not have:\n%s", resp.StatusCode, body)
	}
}
