package results

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/search"
)

// TestResultLinksStayOnSite checks that a result links to the site itself
// whatever its path: a crawled page at /%5Cevil.example/ or
// /%2Fevil.example/ has the path /\evil.example/ or //evil.example/, which
// a browser, given them as they are, follows to another host. Neither the
// page nor the API may hand out such a link.
func TestResultLinksStayOnSite(t *testing.T) {
	docs := []search.Document{
		{Path: `/\evil.example/a/`, Title: "Harbour one", Body: "harbour", Lang: "en", Type: "html"},
		{Path: `//evil.example/b/`, Title: "Harbour two", Body: "harbour", Lang: "en", Type: "html"},
		{Path: `/\/evil.example/c/`, Title: "Harbour three", Body: "harbour", Lang: "en", Type: "html"},
		{Path: `/en/harbour/`, Title: "Harbour four", Body: "harbour", Lang: "en", Type: "html"},
	}
	s := newTestServer(t, docs, nil)
	base, _ := url.Parse(s.srv.URL + "/en/search")
	onSite := func(href string) bool {
		// Browsers read a backslash in an http(s) URL as a slash.
		ref, err := url.Parse(strings.ReplaceAll(href, `\`, "/"))
		return err == nil && base.ResolveReference(ref).Host == base.Host
	}
	page := s.get(t, "/en/search?q=harbour")
	var hrefs []string
	for _, m := range pageHit.FindAllStringSubmatch(page.body, -1) {
		hrefs = append(hrefs, html.UnescapeString(m[1]))
	}
	var api apiResults
	if err := json.Unmarshal([]byte(s.get(t, "/api/search?q=harbour").body), &api); err != nil {
		t.Fatal(err)
	}
	if len(hrefs) != len(docs) || len(api.Results) != len(docs) {
		t.Fatalf("%d results on the page, %d from the API, want %d", len(hrefs), len(api.Results), len(docs))
	}
	for i, h := range api.Results {
		if !onSite(hrefs[i]) {
			t.Errorf("the page links %q", hrefs[i])
		}
		if !onSite(h.URL) {
			t.Errorf("the API links %q", h.URL)
		}
	}
	if hrefs[3] != "/en/harbour/" || api.Results[3].URL != "/en/harbour/" {
		t.Errorf("an ordinary path is linked as %q and %q", hrefs[3], api.Results[3].URL)
	}
}
