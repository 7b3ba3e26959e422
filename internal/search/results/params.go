package results

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/search"
)

// Bounds of the parameters a visitor sends. The index refuses what it
// cannot answer too; these keep absurd input from reaching it at all.
// maxPage is the index's own last page: the pagination links no further,
// as a page beyond it would be an error.
const (
	maxQueryBytes   = 1 << 10
	maxSectionBytes = 200
	maxPage         = 100
)

// request is one search as the page's form and the API send it.
type request struct {
	query search.Query
	// record is the record parameter: "1" asks the API to count the
	// search, "0" asks the page not to count it again.
	record string
}

// parseRequest reads a search from a request's query parameters: q, lang,
// section, type and page. The first value of a repeated parameter counts.
// langs are the languages a visitor may filter by. Its errors wrap
// search.ErrBadQuery.
func parseRequest(v url.Values, langs []string) (request, error) {
	var req request
	q := v.Get("q")
	if len(q) > maxQueryBytes {
		return req, fmt.Errorf("query of %d bytes, more than %d: %w", len(q), maxQueryBytes, search.ErrBadQuery)
	}
	if !utf8.ValidString(q) {
		return req, fmt.Errorf("query is not valid UTF-8: %w", search.ErrBadQuery)
	}
	req.query.Text = strings.TrimSpace(q)

	l := v.Get("lang")
	if l != "" && !slices.Contains(langs, l) {
		return req, fmt.Errorf("unknown language %q: %w", truncate(l), search.ErrBadQuery)
	}
	req.query.Lang = l

	s := v.Get("section")
	if len(s) > maxSectionBytes || !utf8.ValidString(s) {
		return req, fmt.Errorf("section is not a path segment: %w", search.ErrBadQuery)
	}
	req.query.Section = s

	switch t := v.Get("type"); t {
	case "", "html", "pdf":
		req.query.Type = t
	default:
		return req, fmt.Errorf("unknown type %q: want html or pdf: %w", truncate(t), search.ErrBadQuery)
	}

	req.query.Page = 1
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPage {
			return req, fmt.Errorf("page %q: want 1 to %d: %w", truncate(p), maxPage, search.ErrBadQuery)
		}
		req.query.Page = n
	}
	req.query.PerPage = search.DefaultPerPage

	switch r := v.Get("record"); r {
	case "", "0", "1":
		req.record = r
	}
	return req, nil
}

// values are the parameters that ask for q again, page aside: what links
// to other pages of results and the API's callers send.
func values(q search.Query) url.Values {
	v := url.Values{"q": {q.Text}}
	if q.Lang != "" {
		v.Set("lang", q.Lang)
	}
	if q.Section != "" {
		v.Set("section", q.Section)
	}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	return v
}

// truncate shortens a refused value for an error message.
func truncate(s string) string {
	const most = 32
	if len(s) <= most {
		return s
	}
	for i := most; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
