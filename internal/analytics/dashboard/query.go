package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/i18n"
)

// The periods the dashboard offers, in the order it lists them. A custom
// period names its first and last day.
const (
	periodToday     = "today"
	periodYesterday = "yesterday"
	period7Days     = "7d"
	period30Days    = "30d"
	periodMonth     = "month"
	periodLastMonth = "lastmonth"
	period12Months  = "12mo"
	periodCustom    = "custom"
)

func presetPeriods() []string {
	return []string{periodToday, periodYesterday, period7Days, period30Days, periodMonth, periodLastMonth, period12Months}
}

// The metrics the chart can show.
const (
	metricVisitors  = "visitors"
	metricPageviews = "pageviews"
	metricVisits    = "visits"
	metricBounce    = "bounce_rate"
	metricDuration  = "visit_duration"
)

func metrics() []string {
	return []string{metricVisitors, metricPageviews, metricVisits, metricBounce, metricDuration}
}

const (
	// maxDays bounds the days one query covers: two years, and a
	// day for a leap year.
	maxDays = 731
	// maxHourlyDays bounds the days of an hourly series.
	maxHourlyDays = 31
	// maxFilterValue bounds the length of a filter's value; stored values
	// are shorter.
	maxFilterValue = 2048
	// panelRows and panelMoreRows are the rows a panel shows, folded and
	// unfolded.
	panelRows     = 10
	panelMoreRows = 100
)

// query is what a dashboard request asks for: the period, the
// filters, the metric charted and the panels unfolded. The site is chosen
// separately.
type query struct {
	Period string
	// First and Last are the period's first and last day, at midnight in
	// the site's zone.
	First, Last time.Time
	Filters     []filter // in the order given, one per dimension
	Metric      string
	More        []string // dimensions whose panel shows panelMoreRows
}

// filter is one condition of a query: the events whose dimension
// has the value.
type filter struct {
	Dimension, Value string
}

// queryError is a request the dashboard cannot answer, with the status and
// the message (a message key and its arguments) to answer with.
type queryError struct {
	status int
	key    string
	args   []any
}

func (e *queryError) Error() string { return i18n.T(i18n.English, e.key, e.args...) }

// message is the error in the page's language.
func (e *queryError) message(lang i18n.Lang) string { return i18n.T(lang, e.key, e.args...) }

func badQuery(key string, args ...any) *queryError {
	return &queryError{status: http.StatusBadRequest, key: key, args: args}
}

// parseQuery reads a dashboard query from a request's parameters:
// period (a preset, or custom with from and to, YYYY-MM-DD, inclusive;
// from and to alone mean custom), f (dimension:value, repeatable), metric
// and more (a dimension, repeatable). Days are those of loc at now.
func parseQuery(q url.Values, now time.Time, loc *time.Location) (query, error) {
	aq := query{Period: q.Get("period"), Metric: q.Get("metric")}
	if aq.Period == "" {
		aq.Period = period30Days
		if q.Get("from") != "" || q.Get("to") != "" {
			aq.Period = periodCustom
		}
	}
	var err error
	if aq.First, aq.Last, err = periodDays(aq.Period, q.Get("from"), q.Get("to"), now.In(loc)); err != nil {
		return aq, err
	}
	if aq.Metric == "" {
		aq.Metric = metricVisitors
	} else if !slices.Contains(metrics(), aq.Metric) {
		return aq, badQuery("analytics.err.metric", aq.Metric)
	}
	if aq.Filters, err = parseFilters(q["f"]); err != nil {
		return aq, err
	}
	for _, d := range q["more"] {
		if !slices.Contains(analytics.Dimensions(), d) {
			return aq, badQuery("analytics.err.dimension", d)
		}
		if !slices.Contains(aq.More, d) {
			aq.More = append(aq.More, d)
		}
	}
	return aq, nil
}

// periodDays returns the first and last day of a period at today.
func periodDays(period, from, to string, today time.Time) (first, last time.Time, err error) {
	loc := today.Location()
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
	switch period {
	case periodToday:
		return day, day, nil
	case periodYesterday:
		return day.AddDate(0, 0, -1), day.AddDate(0, 0, -1), nil
	case period7Days:
		return day.AddDate(0, 0, -6), day, nil
	case period30Days:
		return day.AddDate(0, 0, -29), day, nil
	case periodMonth:
		return month, month.AddDate(0, 1, -1), nil
	case periodLastMonth:
		return month.AddDate(0, -1, 0), month.AddDate(0, 0, -1), nil
	case period12Months:
		return month.AddDate(0, -11, 0), month.AddDate(0, 1, -1), nil
	case periodCustom:
	default:
		return first, last, badQuery("analytics.err.period", period)
	}
	if from == "" || to == "" {
		return first, last, badQuery("analytics.err.dates_missing")
	}
	if first, err = parseDay(from, loc); err != nil {
		return first, last, badQuery("analytics.err.date", from)
	}
	if last, err = parseDay(to, loc); err != nil {
		return first, last, badQuery("analytics.err.date", to)
	}
	switch {
	case last.Before(first):
		return first, last, badQuery("analytics.err.order")
	case daysBetween(first, last)+1 > maxDays:
		return first, last, badQuery("analytics.err.too_long", maxDays)
	}
	return first, last, nil
}

// parseDay reads a YYYY-MM-DD date as midnight in loc, for the years a
// site can have had visitors in.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return t, err
	}
	if t.Year() < 2000 || t.Year() > 2999 {
		return t, errors.New("year out of range")
	}
	return t, nil
}

// daysBetween counts the calendar days from a to b, both midnights of the
// same zone.
func daysBetween(a, b time.Time) int {
	n := 0
	for d := a; d.Before(b); d = d.AddDate(0, 0, 1) {
		n++
		if n > maxDays {
			break
		}
	}
	return n
}

// parseFilters reads f parameters, dimension:value; a later filter on a
// dimension replaces an earlier one.
func parseFilters(params []string) ([]filter, error) {
	var out []filter
	for _, p := range params {
		dim, value, ok := strings.Cut(p, ":")
		if !ok {
			return nil, badQuery("analytics.err.filter", p)
		}
		if !slices.Contains(analytics.Dimensions(), dim) {
			return nil, badQuery("analytics.err.dimension", dim)
		}
		if len(value) > maxFilterValue {
			return nil, badQuery("analytics.err.filter_long", maxFilterValue)
		}
		f := filter{dim, value}
		if i := slices.IndexFunc(out, func(x filter) bool { return x.Dimension == dim }); i >= 0 {
			out[i] = f
		} else {
			out = append(out, f)
		}
	}
	return out, nil
}

// days counts the days of the query's period.
func (aq query) days() int { return daysBetween(aq.First, aq.Last) + 1 }

// interval is the series interval the chart uses: hours for a day, days
// for up to about three months, months beyond.
func (aq query) interval() string {
	switch n := aq.days(); {
	case n <= 1:
		return "hour"
	case n <= 93:
		return "day"
	}
	return "month"
}

// filters returns the Reader filters of the period and of the previous
// period to compare it with. A period still under way ends now, and the
// previous one as long after its start, so that part compares with part.
func (aq query) filters(site string, now time.Time, loc *time.Location) (cur, prev analytics.Filter) {
	cur = analytics.Filter{Site: site, From: aq.First, To: aq.Last.AddDate(0, 0, 1), Location: loc}
	if len(aq.Filters) > 0 {
		cur.Where = make(map[string]string, len(aq.Filters))
		for _, f := range aq.Filters {
			cur.Where[f.Dimension] = f.Value
		}
	}
	prev = cur.Previous()
	if !now.Before(cur.From) && now.Before(cur.To) {
		cur.To = now
		prev.To = prev.From.Add(now.Sub(cur.From))
	}
	return cur, prev
}

// values encodes the query as request parameters, the way links on the
// page carry it.
func (aq query) values(site, defaultSite string) url.Values {
	v := url.Values{}
	if site != defaultSite {
		v.Set("site", site)
	}
	if aq.Period != period30Days {
		v.Set("period", aq.Period)
	}
	if aq.Period == periodCustom {
		v.Set("from", aq.First.Format(time.DateOnly))
		v.Set("to", aq.Last.Format(time.DateOnly))
	}
	for _, f := range aq.Filters {
		v.Add("f", f.Dimension+":"+f.Value)
	}
	if aq.Metric != metricVisitors {
		v.Set("metric", aq.Metric)
	}
	for _, d := range aq.More {
		v.Add("more", d)
	}
	return v
}

// withFilter returns the query filtered on dimension having value too,
// replacing any filter on that dimension.
func (aq query) withFilter(dim, value string) query {
	out := aq
	out.Filters = slices.Clone(aq.Filters)
	if i := slices.IndexFunc(out.Filters, func(x filter) bool { return x.Dimension == dim }); i >= 0 {
		out.Filters[i].Value = value
	} else {
		out.Filters = append(out.Filters, filter{dim, value})
	}
	return out
}

// withoutFilter returns the query without its i-th filter.
func (aq query) withoutFilter(i int) query {
	out := aq
	out.Filters = slices.Delete(slices.Clone(aq.Filters), i, i+1)
	return out
}

// toggleMore returns the query with the dimension's panel unfolded, or
// folded if it was unfolded.
func (aq query) toggleMore(dim string) query {
	out := aq
	if i := slices.Index(aq.More, dim); i >= 0 {
		out.More = slices.Delete(slices.Clone(aq.More), i, i+1)
	} else {
		out.More = append(slices.Clone(aq.More), dim)
	}
	return out
}

// limitFor is how many rows the dimension's panel shows.
func (aq query) limitFor(dim string) int {
	if slices.Contains(aq.More, dim) {
		return panelMoreRows
	}
	return panelRows
}

// parseLimit reads the API's limit parameter: 1 to 1000, 10 by default.
func parseLimit(s string) (int, error) {
	if s == "" {
		return panelRows, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, badQuery("analytics.err.limit")
	}
	return n, nil
}

// parseInterval reads the API's interval parameter, defaulting to the
// dashboard's choice for the period.
func parseInterval(s string, aq query) (string, error) {
	switch s {
	case "":
		return aq.interval(), nil
	case "hour":
		if aq.days() > maxHourlyDays {
			return "", badQuery("analytics.err.hourly", maxHourlyDays)
		}
		return s, nil
	case "day", "month":
		return s, nil
	}
	return "", badQuery("analytics.err.interval", s)
}

// readerError maps an error of the Reader to an answer: a range that
// needs deleted raw events, or a dimension the backend does not know.
func readerError(err error) (*queryError, bool) {
	switch {
	case errors.Is(err, analytics.ErrRawExpired):
		return &queryError{status: http.StatusUnprocessableEntity, key: "analytics.err.raw_expired"}, true
	case errors.Is(err, context.DeadlineExceeded):
		return &queryError{status: http.StatusServiceUnavailable, key: "analytics.err.too_slow"}, true
	case errors.Is(err, analytics.ErrUnknownDimension):
		return &queryError{status: http.StatusBadRequest, key: "analytics.err.backend_dimension", args: []any{fmt.Sprint(err)}}, true
	}
	return nil, false
}
