package results

import (
	"errors"
	"net/url"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/search"
)

// FuzzParseRequest feeds raw query strings to the parameters' parser: it
// must refuse with search.ErrBadQuery or return a query within bounds.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"q=grant", "q=%E5%89%B5%E6%A5%AD&lang=ja&section=sangyo&type=pdf&page=2", "q=%ff", "page=-1", "q=a&q=b&record=1"} {
		f.Add(s)
	}
	langs := []string{"ja", "en"}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := parseRequest(v, langs)
		if err != nil {
			if !errors.Is(err, search.ErrBadQuery) {
				t.Fatalf("%q: error %v does not wrap ErrBadQuery", raw, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("%q: the error is not valid UTF-8: %q", raw, err)
			}
			return
		}
		q := req.query
		switch {
		case len(q.Text) > maxQueryBytes || !utf8.ValidString(q.Text):
			t.Fatalf("%q: query %q out of bounds", raw, q.Text)
		case q.Lang != "" && !slices.Contains(langs, q.Lang):
			t.Fatalf("%q: language %q", raw, q.Lang)
		case q.Type != "" && q.Type != "html" && q.Type != "pdf":
			t.Fatalf("%q: type %q", raw, q.Type)
		case q.Page < 1 || q.Page > maxPage:
			t.Fatalf("%q: page %d", raw, q.Page)
		}
		// The links to other pages ask for the same query.
		link, err := url.Parse(pageHref("en", q, q.Page))
		if err != nil {
			t.Fatalf("%q: link %v", raw, err)
		}
		again, err := parseRequest(link.Query(), langs)
		if err != nil || again.query != q {
			t.Fatalf("%q: the query's own parameters give %+v, %v", raw, again.query, err)
		}
	})
}
