package results

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/search"
)

// apiResults is the JSON of /api/search.
type apiResults struct {
	Query      string   `json:"query"`
	Total      int      `json:"total"`
	Page       int      `json:"page"`
	PerPage    int      `json:"per_page"`
	Results    []apiHit `json:"results"`
	Suggestion string   `json:"suggestion"`
	// Ignored are the words of a long query left out of the search.
	Ignored []string  `json:"ignored"`
	Facets  apiFacets `json:"facets"`
	TookMS  float64   `json:"took_ms"`
}

type apiHit struct {
	URL     string        `json:"url"`
	Title   string        `json:"title"`
	Snippet []apiFragment `json:"snippet"`
	Lang    string        `json:"lang"`
	Section string        `json:"section"`
	Type    string        `json:"type"`
	// Date is the day of publication in the site's time zone, as
	// YYYY-MM-DD; "" when unknown.
	Date string `json:"date"`
}

type apiFragment struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

type apiFacets struct {
	Lang    []apiFacet `json:"lang"`
	Section []apiFacet `json:"section"`
	Type    []apiFacet `json:"type"`
}

type apiFacet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

type apiError struct {
	Error string `json:"error"`
}

// serveAPI answers GET /api/search with the same results as the search
// page for the same parameters.
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Robots-Tag", "noindex")
	req, err := parseRequest(r.URL.Query(), h.opt.Languages)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if req.query.Text == "" {
		writeJSON(w, http.StatusOK, newAPIResults(&search.Results{Query: req.query}, h.opt.Location))
		return
	}
	res, ref := h.run(r, req.query)
	if ref != nil {
		setRetry(w, ref)
		msg := i18n.T(i18n.English, ref.key)
		if ref.err != nil {
			msg = ref.err.Error()
		}
		writeJSON(w, ref.status, apiError{msg})
		return
	}
	if h.opt.Record != nil && req.record == "1" {
		h.opt.Record(r, req.query.Text, res.Total)
	}
	writeJSON(w, http.StatusOK, newAPIResults(res, h.opt.Location))
}

func newAPIResults(res *search.Results, loc *time.Location) apiResults {
	q := res.Query
	out := apiResults{
		Query:      q.Text,
		Total:      res.Total,
		Page:       max(q.Page, 1),
		PerPage:    q.PerPage,
		Results:    make([]apiHit, 0, len(res.Hits)),
		Suggestion: res.Suggestion,
		Ignored:    append([]string{}, res.Ignored...),
		Facets: apiFacets{
			Lang:    apiFacetList(res.Facets.Lang),
			Section: apiFacetList(res.Facets.Section),
			Type:    apiFacetList(res.Facets.Type),
		},
		TookMS: float64(res.Took.Microseconds()) / 1000,
	}
	if out.PerPage <= 0 {
		out.PerPage = search.DefaultPerPage
	}
	for _, hit := range res.Hits {
		a := apiHit{URL: siteHref(hit.Path), Title: hit.Title, Lang: hit.Lang, Section: hit.Section, Type: hit.Type,
			Snippet: make([]apiFragment, 0, len(hit.Snippet))}
		if !hit.Date.IsZero() {
			a.Date = hit.Date.In(loc).Format(time.DateOnly)
		}
		for _, f := range hit.Snippet {
			a.Snippet = append(a.Snippet, apiFragment(f))
		}
		out.Results = append(out.Results, a)
	}
	return out
}

func apiFacetList(counts []search.FacetCount) []apiFacet {
	out := make([]apiFacet, 0, len(counts))
	for _, c := range counts {
		out = append(out, apiFacet(c))
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
