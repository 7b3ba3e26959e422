package results

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/search"
)

// TestWithIndex serves results from a real index: the page shows the
// index's hits with their matches marked, and the API gives the same.
func TestWithIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the Japanese dictionary, which takes long under the race detector: run without -short")
	}
	ix, err := search.Open(context.Background(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, d := range append(slices.Clone(testDocs), pagedDocs(15)...) {
		if err := ix.Put(context.Background(), d, "1"); err != nil {
			t.Fatal(err)
		}
	}
	s := newTestServer(t, nil, func(o *Options) { o.Search = ix.Search })
	for _, tt := range []struct {
		params string
		first  string
		mark   string
	}{
		{"q=創業支援", "/ja/sangyo/sogyo/", "<mark>"},
		{"q=subsidy", "/en/business/grant/", "<mark>subsidy</mark>"},
		{"q=notice&page=2", "", ""},
		{"q=guide&type=pdf", "", ""},
	} {
		t.Run(tt.params, func(t *testing.T) {
			html := s.get(t, "/en/search?"+tt.params)
			api := s.get(t, "/api/search?"+tt.params)
			if html.status != 200 || api.status != 200 {
				t.Fatalf("page %d, API %d: %s", html.status, api.status, api.body)
			}
			var r apiResults
			if err := json.Unmarshal([]byte(api.body), &r); err != nil {
				t.Fatal(err)
			}
			var fromAPI, fromPage []string
			for _, h := range r.Results {
				fromAPI = append(fromAPI, h.URL)
			}
			for _, m := range pageHit.FindAllStringSubmatch(html.body, -1) {
				fromPage = append(fromPage, m[1])
			}
			if !slices.Equal(fromPage, fromAPI) {
				t.Errorf("the page shows %q, the API %q", fromPage, fromAPI)
			}
			if tt.first != "" && (len(fromPage) == 0 || fromPage[0] != tt.first) {
				t.Errorf("first result %q, want %s", fromPage, tt.first)
			}
			if tt.mark != "" && !strings.Contains(html.body, tt.mark) {
				t.Errorf("the page lacks %s", tt.mark)
			}
		})
	}
}

// TestPagesTheIndexAnswers checks that every page of results the search
// page links to, the last of a very long list included, and every page
// the parameters accept, is one the index answers rather than refuses.
func TestPagesTheIndexAnswers(t *testing.T) {
	ix, err := search.Open(context.Background(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	answers := func(n int) error {
		_, err := ix.Search(context.Background(), search.Query{Text: "notice", Page: n, PerPage: search.DefaultPerPage})
		return err
	}
	links, _, next := pagination("en", search.Query{Text: "notice", Page: 1}, 20000, search.DefaultPerPage)
	last := links[len(links)-1]
	if err := answers(last.Number); err != nil {
		t.Errorf("the link to the last page, %s: %v", last.Href, err)
	}
	if next == "" {
		t.Fatal("no link to the next page")
	}
	req, err := parseRequest(url.Values{"q": {"notice"}, "page": {strconv.Itoa(maxPage)}}, []string{"en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := answers(req.query.Page); err != nil {
		t.Errorf("page %d, which the parameters accept: %v", req.query.Page, err)
	}
}
