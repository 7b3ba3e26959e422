package clickhouse

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
)

// cellMap holds the figures a collect query computes, as
// analytics.CollectFunc returns them.
type cellMap = map[analytics.CellKey]*analytics.Counts

// chunkDays is how many UTC days one collect query reads: the
// server holds a chunk's visits in memory at once.
const chunkDays = 7

// columnSQL is how the collect query computes a dimension (see
// collect.sql): the value, the condition for an event to have one, and
// what it reads: columns of the visit's events, or a value of the visit
// computed from all of them and the event columns that reads.
type columnSQL struct {
	value, has string
	columns    []string
	visit      string
	reads      []string
}

// dimensionSQL follows analytics.Dimension's values.
var dimensionSQL = [analytics.DimCount]columnSQL{
	analytics.DimTotal:      {value: "''", has: "1"},
	analytics.DimPath:       {value: "path", has: "name = 'pageview'", columns: []string{"path"}},
	analytics.DimEntry:      {value: "visit_entry", has: "visit_pageviews > 0", visit: "argMinIf(path, time_us, name = 'pageview')", reads: []string{"path"}},
	analytics.DimExit:       {value: "visit_exit", has: "visit_pageviews > 0", visit: "argMaxIf(path, time_us, name = 'pageview')", reads: []string{"path"}},
	analytics.DimSource:     {value: "visit_source", has: "1", visit: "argMin(source, time_us)", reads: []string{"source"}},
	analytics.DimReferrer:   {value: "visit_referrer", has: "1", visit: "argMin(referrer, time_us)", reads: []string{"referrer"}},
	analytics.DimCampaign:   {value: "visit_campaign", has: "1", visit: "argMin(campaign, time_us)", reads: []string{"campaign"}},
	analytics.DimBrowser:    {value: "browser", has: "1", columns: []string{"browser"}},
	analytics.DimOS:         {value: "os", has: "1", columns: []string{"os"}},
	analytics.DimDevice:     {value: "device", has: "1", columns: []string{"device"}},
	analytics.DimScreen:     {value: "screen", has: "1", columns: []string{"screen"}},
	analytics.DimLanguage:   {value: "language", has: "1", columns: []string{"language"}},
	analytics.DimCountry:    {value: "country", has: "1", columns: []string{"country"}},
	analytics.DimOutbound:   {value: "link", has: "name = 'outbound'", columns: []string{"link"}},
	analytics.DimDownload:   {value: "link", has: "name = 'download'", columns: []string{"link"}},
	analytics.Dim404:        {value: "path", has: "name = '404'", columns: []string{"path"}},
	analytics.DimSearch:     {value: "search", has: "name = 'search'", columns: []string{"search"}},
	analytics.DimSearchZero: {value: "search", has: "name = 'search' AND results = 0", columns: []string{"search", "results"}},
	analytics.DimEvent:      {value: "name", has: "name != 'pageview'"},
}

// Totals returns the totals of the events f selects.
func (s *Store) Totals(ctx context.Context, f analytics.Filter) (analytics.Totals, error) {
	return analytics.CollectFunc(s.collect).Totals(ctx, f)
}

// Series returns one point per hour, day or month (interval "hour", "day"
// or "month") of the filter's time zone from the one holding From up to
// To, with zeros where nothing happened.
func (s *Store) Series(ctx context.Context, f analytics.Filter, interval string) ([]analytics.Point, error) {
	return analytics.CollectFunc(s.collect).Series(ctx, f, interval)
}

// Top returns the values of a dimension (see analytics.Dimensions) with
// the most visitors, then the most pageviews and events, at most limit of
// them (all when limit is 0 or less), in the order the SQL store gives
// them.
func (s *Store) Top(ctx context.Context, f analytics.Filter, dimension string, limit int) ([]analytics.Row, error) {
	return analytics.CollectFunc(s.collect).Top(ctx, f, dimension, limit)
}

// Realtime returns the number of visitors seen on site in the 30 minutes
// up to now.
func (s *Store) Realtime(ctx context.Context, site string, now time.Time) (int64, error) {
	from := now.Add(-30 * time.Minute)
	var n uint64
	err := s.conn.QueryRow(ctx, s.q["realtime"],
		ch.Named("site", site),
		ch.Named("from_second", max(from.Unix(), 0)),
		ch.Named("from", from.UnixMicro()),
		ch.Named("to", now.UnixMicro()),
	).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("clickhouse: realtime visitors of %s: %w", site, err)
	}
	return int64(n), nil
}

// collect computes req's cells, keyed by bucket index, req.Dim and value.
//
// As the SQL store does, it reads the rollups for the hours they cover
// when req's filter is one they store (at most one dimension, and for a
// breakdown, that same dimension) and every bucket edge falls on a UTC
// hour, and raw events for the rest: the hours of days not rolled up, or
// whose events changed since, and the range's ends within an hour.
func (s *Store) collect(ctx context.Context, req analytics.Request) (cellMap, error) {
	cells := make(cellMap)
	from, to := req.Edges[0], req.Edges[len(req.Edges)-1]
	if !from.Before(to) {
		return cells, nil
	}
	rollDim, rollValue, usable := analytics.DimTotal, "", true
	switch {
	case len(req.Where) == 0:
		rollDim = req.Dim
	case len(req.Where) == 1 && (req.Dim == analytics.DimTotal || req.Dim == req.Where[0].Dim):
		rollDim, rollValue = req.Where[0].Dim, req.Where[0].Value
	default:
		usable = false
	}
	for _, e := range req.Edges[1 : len(req.Edges)-1] {
		if !e.Equal(e.Truncate(time.Hour)) {
			usable = false
		}
	}
	if !usable || !analytics.CeilHour(from).Before(to.Truncate(time.Hour)) {
		return cells, s.collectRaw(ctx, req, from, to, cells)
	}
	plan, err := s.planRollups(ctx, req, from, to)
	if err != nil {
		return nil, err
	}
	if len(plan.days) > 0 || len(plan.hours) > 0 {
		if err := s.collectRollups(ctx, req, rollDim, rollValue, plan, from, to, cells); err != nil {
			return nil, err
		}
	}
	for _, span := range plan.raw {
		if err := s.collectRaw(ctx, req, span[0], span[1], cells); err != nil {
			return nil, err
		}
	}
	return cells, nil
}

// dateTo ends the days a ClickHouse Date holds reliably; the
// store reads the days after it from raw events.
var dateTo = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

// rollupPlan says where the figures of a range come from: the daily rows
// of whole days, the hourly rows of parts of days, each under its day's
// current version, and raw events for the spans left.
type rollupPlan struct {
	days  []rollupDayVersion
	hours []rollupHours
	raw   [][2]time.Time
}

type rollupDayVersion struct {
	day     time.Time
	version uint64
}

// rollupHours are the hours [from, to) of one rolled-up day.
type rollupHours struct {
	rollupDayVersion
	from, to time.Time
}

// planRollups splits [from, to) by UTC day: a day whose latest rollup
// counted every event it holds is read from rollups, for its whole hours
// within the range; everything else is read raw. A series reads hourly
// rows only, to place them in its buckets.
func (s *Store) planRollups(ctx context.Context, req analytics.Request, from, to time.Time) (rollupPlan, error) {
	var plan rollupPlan
	// No event lies outside the times the events table holds.
	dayFrom := analytics.UTCDay(analytics.Later(from, timeFrom))
	dayTo := analytics.UTCDay(analytics.Earlier(to, timeTo).Add(24*time.Hour - 1))
	if !dayFrom.Before(dayTo) {
		return plan, nil
	}
	rows, err := s.conn.Query(ctx, s.q["day-marks"],
		ch.Named("site", req.Site),
		ch.Named("day_from", dayFrom.Format(time.DateOnly)),
		ch.Named("day_to", analytics.Earlier(dayTo, dateTo).Format(time.DateOnly)))
	if err != nil {
		return plan, err
	}
	// Days absent from the marks hold no events: nothing to read.
	clean := make(map[int64]uint64)
	dirty := make(map[int64]bool)
	for rows.Next() {
		var day time.Time
		var stored, version, rolled uint64
		if err := rows.Scan(&day, &stored, &version, &rolled); err != nil {
			rows.Close()
			return plan, err
		}
		d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).Unix()
		if version != 0 && rolled == stored {
			clean[d] = version
		} else {
			dirty[d] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return plan, err
	}
	raw := func(a, b time.Time) {
		if !a.Before(b) {
			return
		}
		if n := len(plan.raw); n > 0 && plan.raw[n-1][1].Equal(a) {
			plan.raw[n-1][1] = b
			return
		}
		plan.raw = append(plan.raw, [2]time.Time{a, b})
	}
	for day := dayFrom; day.Before(dayTo); day = day.AddDate(0, 0, 1) {
		a, b := analytics.Later(day, from), analytics.Earlier(day.AddDate(0, 0, 1), to)
		if day.Before(dateTo) && !dirty[day.Unix()] {
			version, ok := clean[day.Unix()]
			if !ok {
				continue
			}
			ha, hb := analytics.CeilHour(a), b.Truncate(time.Hour)
			if ha.Before(hb) {
				raw(a, ha)
				dv := rollupDayVersion{day, version}
				if len(req.Edges) == 2 && ha.Equal(day) && hb.Equal(day.AddDate(0, 0, 1)) {
					plan.days = append(plan.days, dv)
				} else {
					plan.hours = append(plan.hours, rollupHours{dv, ha, hb})
				}
				raw(hb, b)
				continue
			}
		}
		raw(a, b)
	}
	return plan, nil
}

// collectRollups adds the rollup rows plan selects, of value rollValue of
// rollDim (every value when req breaks down by rollDim without filtering
// it).
func (s *Store) collectRollups(ctx context.Context, req analytics.Request, rollDim analytics.Dimension, rollValue string, plan rollupPlan, from, to time.Time, cells cellMap) error {
	// Versions and times are numbers the store made, written into the
	// query as literals.
	var conds []string
	if len(plan.days) > 0 {
		var vs []string
		for _, d := range plan.days {
			vs = append(vs, fmt.Sprintf("(day = toDate('%s') AND version = %d)", d.day.Format(time.DateOnly), d.version))
		}
		conds = append(conds, "(hourly = 0 AND ("+strings.Join(vs, " OR ")+"))")
	}
	if len(plan.hours) > 0 {
		var hs []string
		for _, h := range plan.hours {
			hs = append(hs, fmt.Sprintf("(day = toDate('%s') AND version = %d AND bucket >= toDateTime(%d) AND bucket < toDateTime(%d))",
				h.day.Format(time.DateOnly), h.version, h.from.Unix(), h.to.Unix()))
		}
		conds = append(conds, "(hourly = 1 AND ("+strings.Join(hs, " OR ")+"))")
	}
	args := []any{ch.Named("site", req.Site), ch.Named("dim", uint8(rollDim))}
	valueCond := "1"
	if len(req.Where) > 0 {
		valueCond = "value = @value"
		args = append(args, ch.Named("value", rollValue))
	}
	query := strings.NewReplacer("/*rows*/", strings.Join(conds, " OR "), "/*value*/", valueCond).Replace(s.q["read-rollups"])
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var value string
		var c analytics.Counts
		if err := rows.Scan(&at, &value, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS); err != nil {
			return err
		}
		bucket, ok := req.BucketOf(at, from, to)
		if !ok {
			continue
		}
		if req.Dim == analytics.DimTotal {
			value = ""
		}
		k := analytics.CellKey{Bucket: bucket, Dim: req.Dim, Value: value}
		if cells[k] == nil {
			cells[k] = &analytics.Counts{}
		}
		cells[k].Add(&c)
	}
	return rows.Err()
}

// collectRaw adds what happened in [from, to) computed from the raw
// events of every UTC day the span touches, a chunk of days per query.
func (s *Store) collectRaw(ctx context.Context, req analytics.Request, from, to time.Time, cells cellMap) error {
	var query string
	var args []any
	var shape rowShape
	switch {
	case req.Dim == analytics.DimTotal && len(req.Where) == 0:
		// Unfiltered totals, the dashboard's headline and chart, have a
		// cheaper query of their own.
		query, shape = s.q["collect-totals"], rowsTotals
	case len(req.Edges) == 2 && req.Dim != analytics.DimTotal && eventOwn(req):
		query, args = s.collectTopQuery(req)
		shape = rowsTop
	default:
		query, args = s.collectQuery(req)
		shape = rowsValues
	}
	visitors := "1"
	if to.Sub(from) < 24*time.Hour {
		// A short span, such as the end of a range within an hour,
		// reads only the day's events of the visitors active in it.
		visitors = s.q["span-visitors"]
		args = append(args,
			ch.Named("from_second", max(from.Unix(), 0)),
			ch.Named("to_second", min(max(to.Unix(), 0), math.MaxUint32)))
	}
	query = strings.ReplaceAll(query, "/*visitors*/", visitors)
	grain := bucketGrain(req.Edges)
	args = append(args,
		ch.Named("site", req.Site),
		ch.Named("gap", analytics.VisitGap.Microseconds()),
		ch.Named("grain", grain.Microseconds()),
		ch.Named("from", from.UnixMicro()),
		ch.Named("to", to.UnixMicro()),
	)
	dayTo := analytics.UTCDay(to.Add(24*time.Hour - 1))
	for day := analytics.UTCDay(from); day.Before(dayTo); day = day.AddDate(0, 0, chunkDays) {
		end := analytics.Earlier(day.AddDate(0, 0, chunkDays), dayTo)
		chunkArgs := append(slices.Clip(args),
			ch.Named("day_from", max(day.Unix(), 0)),
			ch.Named("day_to", max(end.Unix(), 0)))
		if err := s.collectChunk(ctx, req, query, chunkArgs, grain, shape, from, to, cells); err != nil {
			return err
		}
	}
	return nil
}

// rowShape is the shape of a collect query's rows.
type rowShape int

const (
	// rowsTotals (collect-totals.sql) are a slot and its figures.
	rowsTotals rowShape = iota
	// rowsValues (collect.sql) are a value, a slot and their figures.
	rowsValues
	// rowsTop (collect-top.sql) are a value with its visitors, visits,
	// pageviews and events over the whole span.
	rowsTop
)

// collectChunk runs a collect query for one chunk of days and adds the
// rows that fall in [from, to) to cells.
func (s *Store) collectChunk(ctx context.Context, req analytics.Request, query string, args []any, grain time.Duration, shape rowShape, from, to time.Time, cells cellMap) error {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var value string
		var slot int64
		var c analytics.Counts
		var dest []any
		switch shape {
		case rowsTotals:
			dest = []any{&slot, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS}
		case rowsValues:
			dest = []any{&value, &slot, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events, &c.Bounces, &c.DurationMS}
		case rowsTop:
			dest = []any{&value, &c.Visitors, &c.Visits, &c.Pageviews, &c.Events}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		// No bucket edge but the range's own falls within a slot, so the
		// slot's part in the range lies in one bucket; rowsTop rows are
		// for a range of one bucket.
		t := time.UnixMicro(slot * grain.Microseconds())
		if t.Before(from) || shape == rowsTop {
			t = from
		}
		bucket, ok := req.BucketOf(t, from, to)
		if !ok {
			continue
		}
		k := analytics.CellKey{Bucket: bucket, Dim: req.Dim, Value: value}
		if cells[k] == nil {
			cells[k] = &analytics.Counts{}
		}
		cells[k].Add(&c)
	}
	return rows.Err()
}

// eventOwn reports whether req's dimension and every one it filters on
// are the event's own rather than its visit's.
func eventOwn(req analytics.Request) bool {
	if dimensionSQL[req.Dim].visit != "" {
		return false
	}
	for _, c := range req.Where {
		if dimensionSQL[c.Dim].visit != "" {
			return false
		}
	}
	return true
}

// eventColumns builds the parts of the collect queries that carry event
// columns through the visitor days their visits are numbered in (see
// collect.sql): each column once, whoever asks for it.
type eventColumns struct {
	seen                        map[string]bool
	events, days, daysArrayJoin strings.Builder
}

func (c *eventColumns) add(columns ...string) {
	if c.seen == nil {
		c.seen = make(map[string]bool)
	}
	for _, col := range columns {
		if !c.seen[col] {
			c.seen[col] = true
			fmt.Fprintf(&c.events, ", %s", col)
			fmt.Fprintf(&c.days, ", groupArray(%s) AS d_%s", col, col)
			fmt.Fprintf(&c.daysArrayJoin, ", d_%s AS %s", col, col)
		}
	}
}

// replacements returns the query's comments to replace and their text.
func (c *eventColumns) replacements() []string {
	return []string{
		"/*event_columns*/", c.events.String(),
		"/*day_columns*/", c.days.String(),
		"/*day_array_join*/", c.daysArrayJoin.String(),
	}
}

// collectTopQuery returns collect-top.sql for req, whose dimensions are
// all the event's own, with the arguments of the filter's values.
func (s *Store) collectTopQuery(req analytics.Request) (string, []any) {
	var events eventColumns
	matches := []string{"1"}
	var args []any
	for i, c := range req.Where {
		d := dimensionSQL[c.Dim]
		events.add(d.columns...)
		name := fmt.Sprintf("where%d", i)
		matches = append(matches, fmt.Sprintf("(%s AND %s = @%s)", d.has, d.value, name))
		args = append(args, ch.Named(name, c.Value))
	}
	d := dimensionSQL[req.Dim]
	events.add(d.columns...)
	query := strings.NewReplacer(append(events.replacements(),
		"/*value*/", d.value,
		"/*has_value*/", d.has,
		"/*matches*/", strings.Join(matches, " AND "),
	)...).Replace(s.q["collect-top"])
	return query, args
}

// collectQuery returns the collect query for req's dimension and filter,
// with the arguments of the filter's values.
func (s *Store) collectQuery(req analytics.Request) (string, []any) {
	var visitColumns, arrayJoin strings.Builder
	var events eventColumns
	carried := make(map[string]bool)
	carry := func(d columnSQL) {
		events.add(d.reads...)
		events.add(d.columns...)
		if d.visit != "" && !carried[d.value] {
			carried[d.value] = true
			fmt.Fprintf(&visitColumns, ", %s AS %s", d.visit, d.value)
		}
		for _, c := range d.columns {
			if !carried[c] {
				carried[c] = true
				fmt.Fprintf(&visitColumns, ", groupArray(%s) AS e_%s", c, c)
				fmt.Fprintf(&arrayJoin, ", e_%s AS %s", c, c)
			}
		}
	}
	matches := []string{"1"}
	var args []any
	for i, c := range req.Where {
		d := dimensionSQL[c.Dim]
		carry(d)
		name := fmt.Sprintf("where%d", i)
		matches = append(matches, fmt.Sprintf("(%s AND %s = @%s)", d.has, d.value, name))
		args = append(args, ch.Named(name, c.Value))
	}
	d := dimensionSQL[req.Dim]
	carry(d)
	query := strings.NewReplacer(append(events.replacements(),
		"/*value*/", d.value,
		"/*has_value*/", d.has,
		"/*matches*/", strings.Join(matches, " AND "),
		"/*visit_columns*/", visitColumns.String(),
		"/*array_join*/", arrayJoin.String(),
	)...).Replace(s.q["collect"])
	return query, args
}

// bucketGrain returns the longest of a day, an hour, a half and a quarter
// hour, a minute and a second that divides the time since 1970 of every
// edge between buckets, so that no slot of that length straddles two
// buckets.
func bucketGrain(edges []time.Time) time.Duration {
	inner := edges[1 : len(edges)-1]
	for _, g := range []time.Duration{24 * time.Hour, time.Hour, 30 * time.Minute, 15 * time.Minute, time.Minute} {
		divides := true
		for _, e := range inner {
			if e.UnixMicro()%g.Microseconds() != 0 {
				divides = false
				break
			}
		}
		if divides {
			return g
		}
	}
	return time.Second
}
