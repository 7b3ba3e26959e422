package dashboard

import (
	"errors"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
)

// apiTotals are totals as the API writes them.
type apiTotals struct {
	Visitors             int64   `json:"visitors"`
	Pageviews            int64   `json:"pageviews"`
	Visits               int64   `json:"visits"`
	BounceRate           float64 `json:"bounce_rate"`
	VisitDurationSeconds float64 `json:"visit_duration_seconds"`
}

func toAPITotals(t analytics.Totals) apiTotals {
	return apiTotals{t.Visitors, t.Pageviews, t.Visits, t.BounceRate, t.VisitDuration.Seconds()}
}

// apiQuery reads an API request's site and query, answering the
// request itself when they are wrong.
func (s *section) apiQuery(w http.ResponseWriter, r *http.Request) (site string, aq query, cur, prev analytics.Filter, ok bool) {
	site = r.PathValue("site")
	if _, known := s.site(site); s.reader == nil || !known || site == "" {
		admin.WriteJSONError(w, http.StatusNotFound, "no such site")
		return
	}
	now := s.c.Now()
	aq, err := parseQuery(r.URL.Query(), now, s.c.Location())
	if err != nil {
		apiError(w, err)
		return
	}
	cur, prev = aq.filters(site, now, s.c.Location())
	return site, aq, cur, prev, true
}

// apiError answers a query the API cannot answer; false means
// the error is unexpected and the caller answers 500.
func apiError(w http.ResponseWriter, err error) bool {
	var qe *queryError
	if !errors.As(err, &qe) {
		var ok bool
		if qe, ok = readerError(err); !ok {
			return false
		}
	}
	admin.WriteJSONError(w, qe.status, qe.Error())
	return true
}

// apiRange describes the period of an answer.
func apiRange(site string, aq query, cur analytics.Filter) map[string]any {
	return map[string]any{
		"site": site, "period": aq.Period,
		"from": aq.First.Format(time.DateOnly), "to": aq.Last.Format(time.DateOnly),
		"until": cur.To.Format(time.RFC3339),
	}
}

func (s *section) apiTotals(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	site, aq, cur, prev, ok := s.apiQuery(w, r)
	if !ok {
		return
	}
	totals, err := s.reader.Totals(r.Context(), cur)
	if err != nil {
		if !apiError(w, err) {
			s.c.Internal(w, r, rq, "analytics totals", err)
		}
		return
	}
	out := apiRange(site, aq, cur)
	out["totals"] = toAPITotals(totals)
	// The previous period's raw events may be gone when these are not:
	// the comparison is then null.
	out["previous"] = nil
	previous, err := s.reader.Totals(r.Context(), prev)
	if _, expected := readerError(err); err != nil && !expected {
		s.c.Internal(w, r, rq, "analytics totals", err)
		return
	}
	if err == nil {
		out["previous"] = toAPITotals(previous)
	}
	admin.WriteJSON(w, http.StatusOK, out)
}

func (s *section) apiSeries(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	site, aq, cur, _, ok := s.apiQuery(w, r)
	if !ok {
		return
	}
	interval, err := parseInterval(r.URL.Query().Get("interval"), aq)
	var points []analytics.Point
	if err == nil {
		points, err = s.reader.Series(r.Context(), cur, interval)
	}
	if err != nil {
		if !apiError(w, err) {
			s.c.Internal(w, r, rq, "analytics series", err)
		}
		return
	}
	type point struct {
		Start string `json:"start"`
		apiTotals
	}
	list := make([]point, len(points))
	for i, p := range points {
		list[i] = point{p.Start.Format(time.RFC3339), toAPITotals(p.Totals)}
	}
	out := apiRange(site, aq, cur)
	out["interval"] = interval
	out["points"] = list
	admin.WriteJSON(w, http.StatusOK, out)
}

func (s *section) apiTop(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	site, aq, cur, _, ok := s.apiQuery(w, r)
	if !ok {
		return
	}
	dim := r.PathValue("dimension")
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	var rows []analytics.Row
	if err == nil {
		rows, err = s.reader.Top(r.Context(), cur, dim, limit)
	}
	if err != nil {
		if errors.Is(err, analytics.ErrUnknownDimension) {
			err = badQuery("analytics.err.dimension", dim)
		}
		if !apiError(w, err) {
			s.c.Internal(w, r, rq, "analytics top", err)
		}
		return
	}
	type row struct {
		Value     string `json:"value"`
		Visitors  int64  `json:"visitors"`
		Visits    int64  `json:"visits"`
		Pageviews int64  `json:"pageviews"`
		Events    int64  `json:"events"`
	}
	list := make([]row, len(rows))
	for i, x := range rows {
		list[i] = row{x.Value, x.Visitors, x.Visits, x.Pageviews, x.Events}
	}
	out := apiRange(site, aq, cur)
	out["dimension"] = dim
	out["rows"] = list
	admin.WriteJSON(w, http.StatusOK, out)
}

func (s *section) apiRealtime(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	site := r.PathValue("site")
	if _, known := s.site(site); s.reader == nil || !known || site == "" {
		admin.WriteJSONError(w, http.StatusNotFound, "no such site")
		return
	}
	n, err := s.reader.Realtime(r.Context(), site, s.c.Now())
	if err != nil {
		s.c.Internal(w, r, rq, "analytics realtime", err)
		return
	}
	admin.WriteJSON(w, http.StatusOK, map[string]any{"site": site, "visitors": n, "minutes": 30})
}
