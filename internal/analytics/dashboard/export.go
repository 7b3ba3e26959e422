package dashboard

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
)

// export answers the dashboard's CSV export: the rows of one
// dimension (dimension=…) or, without one, the time series, for the same
// site, period and filters as the page. The export is audited before any
// of it is sent.
func (s *section) export(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	q := r.URL.Query()
	site, ok := s.site(q.Get("site"))
	if s.reader == nil || !ok {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	now := s.c.Now()
	loc := s.c.Location()
	aq, err := parseQuery(q, now, loc)
	dim := q.Get("dimension")
	if err == nil && dim != "" && !slices.Contains(analytics.Dimensions(), dim) {
		err = badQuery("analytics.err.dimension", dim)
	}
	if err != nil {
		s.exportProblem(w, r, rq, err)
		return
	}
	cur, _ := aq.filters(site, now, loc)
	var records [][]string
	if dim == "" {
		points, err := s.reader.Series(r.Context(), cur, aq.interval())
		if err != nil {
			s.exportProblem(w, r, rq, err)
			return
		}
		records = seriesRecords(points)
	} else {
		rows, err := s.reader.Top(r.Context(), cur, dim, 0)
		if err != nil {
			s.exportProblem(w, r, rq, err)
			return
		}
		records = topRecords(dim, rows)
	}

	what := dim
	if what == "" {
		what = "series"
	}
	e := rq.Entry("analytics.export", "analytics:"+site, audit.OK)
	e.Detail = map[string]string{
		"site": site, "data": what, "rows": strconv.Itoa(len(records) - 1),
		"from": aq.First.Format(time.DateOnly), "to": aq.Last.Format(time.DateOnly),
	}
	if len(aq.Filters) > 0 {
		e.Detail["filters"] = strings.Join(q["f"], "\n")
	}
	if err := s.c.Audit(r.Context(), e); err != nil {
		s.c.Internal(w, r, rq, "audit the analytics export", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, exportFilename(site, what, aq.First, aq.Last)))
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(records); err != nil {
		s.c.Logger().Error("export analytics", "err", err)
	}
}

// exportProblem answers an export that cannot be made; the error page
// says why.
func (s *section) exportProblem(w http.ResponseWriter, r *http.Request, rq *admin.Request, err error) {
	var qe *queryError
	if !errors.As(err, &qe) {
		var ok bool
		if qe, ok = readerError(err); !ok {
			s.c.Internal(w, r, rq, "analytics export", err)
			return
		}
	}
	p := s.c.PageFor(r, rq, "error.title")
	p.Errors = []string{qe.message(i18n.Lang(rq.Lang()))}
	p.Body = struct{ Status int }{qe.status}
	s.c.Write(w, qe.status, "error", p)
}

// seriesRecords is the CSV of a series: a header, then a line per point.
func seriesRecords(points []analytics.Point) [][]string {
	out := [][]string{{"start", "visitors", "pageviews", "visits", "bounce_rate", "visit_duration_seconds"}}
	for _, p := range points {
		out = append(out, []string{
			p.Start.Format(time.RFC3339),
			strconv.FormatInt(p.Visitors, 10),
			strconv.FormatInt(p.Pageviews, 10),
			strconv.FormatInt(p.Visits, 10),
			strconv.FormatFloat(p.BounceRate, 'f', 4, 64),
			strconv.FormatFloat(p.VisitDuration.Seconds(), 'f', 1, 64),
		})
	}
	return out
}

// topRecords is the CSV of a dimension's rows. Values come from visitors'
// browsers, so each is defused for spreadsheets.
func topRecords(dim string, rows []analytics.Row) [][]string {
	out := [][]string{{dim, "visitors", "visits", "pageviews", "events"}}
	for _, r := range rows {
		out = append(out, []string{
			spreadsheetSafe(r.Value),
			strconv.FormatInt(r.Visitors, 10),
			strconv.FormatInt(r.Visits, 10),
			strconv.FormatInt(r.Pageviews, 10),
			strconv.FormatInt(r.Events, 10),
		})
	}
	return out
}

// spreadsheetSafe keeps a spreadsheet from reading a cell as a formula:
// a value starting with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportFilename names an export by what it holds, in characters that
// need no quoting in any header or file system.
func exportFilename(site, what string, first, last time.Time) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
				return r
			}
			return '_'
		}, s)
	}
	return fmt.Sprintf("noren-analytics-%s-%s-%s-%s.csv", clean(site), clean(what), first.Format("20060102"), last.Format("20060102"))
}
