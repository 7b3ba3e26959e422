package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// clickHouseChunk is how many UTC days one collect query reads: the
// server holds a chunk's visits in memory at once.
const clickHouseChunk = 7

// clickHouseDimension is how the collect query computes a dimension (see
// collect.sql): the value, the condition for an event to have one, and
// what it reads: columns of the visit's events, or a value of the visit
// computed from all of them.
type clickHouseDimension struct {
	value, has string
	columns    []string
	visit      string
}

// clickHouseDimensions follow dimension.value.
var clickHouseDimensions = [dimCount]clickHouseDimension{
	dimTotal:      {value: "''", has: "1"},
	dimPath:       {value: "path", has: "name = 'pageview'", columns: []string{"path"}},
	dimEntry:      {value: "visit_entry", has: "visit_pageviews > 0", visit: "argMinIf(path, time_us, name = 'pageview')"},
	dimExit:       {value: "visit_exit", has: "visit_pageviews > 0", visit: "argMaxIf(path, time_us, name = 'pageview')"},
	dimSource:     {value: "visit_source", has: "1", visit: "argMin(source, time_us)"},
	dimReferrer:   {value: "visit_referrer", has: "1", visit: "argMin(referrer, time_us)"},
	dimCampaign:   {value: "visit_campaign", has: "1", visit: "argMin(campaign, time_us)"},
	dimBrowser:    {value: "browser", has: "1", columns: []string{"browser"}},
	dimOS:         {value: "os", has: "1", columns: []string{"os"}},
	dimDevice:     {value: "device", has: "1", columns: []string{"device"}},
	dimScreen:     {value: "screen", has: "1", columns: []string{"screen"}},
	dimLanguage:   {value: "language", has: "1", columns: []string{"language"}},
	dimCountry:    {value: "country", has: "1", columns: []string{"country"}},
	dimOutbound:   {value: "link", has: "name = 'outbound'", columns: []string{"link"}},
	dimDownload:   {value: "link", has: "name = 'download'", columns: []string{"link"}},
	dim404:        {value: "path", has: "name = '404'", columns: []string{"path"}},
	dimSearch:     {value: "search", has: "name = 'search'", columns: []string{"search"}},
	dimSearchZero: {value: "search", has: "name = 'search' AND results = 0", columns: []string{"search", "results"}},
	dimEvent:      {value: "name", has: "name != 'pageview'"},
}

// Totals returns the totals of the events f selects.
func (s *ClickHouseStore) Totals(ctx context.Context, f Filter) (Totals, error) {
	return totalsWith(ctx, s.collect, f)
}

// Series returns one point per hour, day or month (interval "hour", "day"
// or "month") of the filter's time zone from the one holding From up to
// To, with zeros where nothing happened.
func (s *ClickHouseStore) Series(ctx context.Context, f Filter, interval string) ([]Point, error) {
	return seriesWith(ctx, s.collect, f, interval)
}

// Top returns the values of a dimension (see Dimensions) with the most
// visitors, then the most pageviews and events, at most limit of them
// (all when limit is 0 or less), in the order SQLStore.Top gives them.
func (s *ClickHouseStore) Top(ctx context.Context, f Filter, dimension string, limit int) ([]Row, error) {
	return topWith(ctx, s.collect, f, dimension, limit)
}

// collect computes req's cells, keyed by bucket index, req.dim and value.
//
// As SQLStore does, it reads the rollups for the hours they cover when
// req's filter is one they store (at most one dimension, and for a
// breakdown, that same dimension) and every bucket edge falls on a UTC
// hour, and raw events for the rest: the hours of days not rolled up, or
// whose events changed since, and the range's ends within an hour.
func (s *ClickHouseStore) collect(ctx context.Context, req request) (map[rollupKey]*rollupCounts, error) {
	cells := make(map[rollupKey]*rollupCounts)
	from, to := req.edges[0], req.edges[len(req.edges)-1]
	if !from.Before(to) {
		return cells, nil
	}
	rollDim, rollValue, usable := dimTotal, "", true
	switch {
	case len(req.where) == 0:
		rollDim = req.dim
	case len(req.where) == 1 && (req.dim == dimTotal || req.dim == req.where[0].dim):
		rollDim, rollValue = req.where[0].dim, req.where[0].value
	default:
		usable = false
	}
	for _, e := range req.edges[1 : len(req.edges)-1] {
		if !e.Equal(e.Truncate(time.Hour)) {
			usable = false
		}
	}
	if !usable || !ceilHour(from).Before(to.Truncate(time.Hour)) {
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

// clickHouseDateTo ends the days a ClickHouse Date holds reliably; the
// store reads the days after it from raw events.
var clickHouseDateTo = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

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
func (s *ClickHouseStore) planRollups(ctx context.Context, req request, from, to time.Time) (rollupPlan, error) {
	var plan rollupPlan
	// No event lies outside the times the events table holds.
	dayFrom := rollupDayOf(laterTime(from, clickHouseTimeFrom))
	dayTo := rollupDayOf(earlierTime(to, clickHouseTimeTo).Add(24*time.Hour - 1))
	if !dayFrom.Before(dayTo) {
		return plan, nil
	}
	rows, err := s.conn.Query(ctx, s.q["day-marks"],
		clickhouse.Named("site", req.site),
		clickhouse.Named("day_from", dayFrom.Format(time.DateOnly)),
		clickhouse.Named("day_to", earlierTime(dayTo, clickHouseDateTo).Format(time.DateOnly)))
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
		a, b := laterTime(day, from), earlierTime(day.AddDate(0, 0, 1), to)
		if day.Before(clickHouseDateTo) && !dirty[day.Unix()] {
			version, ok := clean[day.Unix()]
			if !ok {
				continue
			}
			ha, hb := ceilHour(a), b.Truncate(time.Hour)
			if ha.Before(hb) {
				raw(a, ha)
				dv := rollupDayVersion{day, version}
				if len(req.edges) == 2 && ha.Equal(day) && hb.Equal(day.AddDate(0, 0, 1)) {
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
func (s *ClickHouseStore) collectRollups(ctx context.Context, req request, rollDim dimension, rollValue string, plan rollupPlan, from, to time.Time, cells map[rollupKey]*rollupCounts) error {
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
	args := []any{clickhouse.Named("site", req.site), clickhouse.Named("dim", uint8(rollDim))}
	valueCond := "1"
	if len(req.where) > 0 {
		valueCond = "value = @value"
		args = append(args, clickhouse.Named("value", rollValue))
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
		var c rollupCounts
		if err := rows.Scan(&at, &value, &c.visitors, &c.visits, &c.pageviews, &c.events, &c.bounces, &c.durationMS); err != nil {
			return err
		}
		bucket, ok := req.bucketOf(at, from, to)
		if !ok {
			continue
		}
		if req.dim == dimTotal {
			value = ""
		}
		k := rollupKey{bucket, req.dim, value}
		if cells[k] == nil {
			cells[k] = &rollupCounts{}
		}
		cells[k].add(&c)
	}
	return rows.Err()
}

// collectRaw adds what happened in [from, to) computed from the raw
// events of every UTC day the span touches, a chunk of days per query.
func (s *ClickHouseStore) collectRaw(ctx context.Context, req request, from, to time.Time, cells map[rollupKey]*rollupCounts) error {
	var query string
	var args []any
	var shape clickHouseRows
	switch {
	case req.dim == dimTotal && len(req.where) == 0:
		// Unfiltered totals, the dashboard's headline and chart, have a
		// cheaper query of their own.
		query, shape = s.q["collect-totals"], rowsTotals
	case len(req.edges) == 2 && req.dim != dimTotal && req.eventOwn():
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
			clickhouse.Named("from_second", max(from.Unix(), 0)),
			clickhouse.Named("to_second", min(max(to.Unix(), 0), math.MaxUint32)))
	}
	query = strings.ReplaceAll(query, "/*visitors*/", visitors)
	grain := bucketGrain(req.edges)
	args = append(args,
		clickhouse.Named("site", req.site),
		clickhouse.Named("grain", grain.Microseconds()),
		clickhouse.Named("from", from.UnixMicro()),
		clickhouse.Named("to", to.UnixMicro()),
	)
	dayTo := rollupDayOf(to.Add(24*time.Hour - 1))
	for day := rollupDayOf(from); day.Before(dayTo); day = day.AddDate(0, 0, clickHouseChunk) {
		end := earlierTime(day.AddDate(0, 0, clickHouseChunk), dayTo)
		chunkArgs := append(slices.Clip(args),
			clickhouse.Named("day_from", max(day.Unix(), 0)),
			clickhouse.Named("day_to", max(end.Unix(), 0)))
		if err := s.collectChunk(ctx, req, query, chunkArgs, grain, shape, from, to, cells); err != nil {
			return err
		}
	}
	return nil
}

// clickHouseRows is the shape of a collect query's rows.
type clickHouseRows int

const (
	// rowsTotals (collect-totals.sql) are a slot and its figures.
	rowsTotals clickHouseRows = iota
	// rowsValues (collect.sql) are a value, a slot and their figures.
	rowsValues
	// rowsTop (collect-top.sql) are a value with its visitors, visits,
	// pageviews and events over the whole span.
	rowsTop
)

// collectChunk runs a collect query for one chunk of days and adds the
// rows that fall in [from, to) to cells.
func (s *ClickHouseStore) collectChunk(ctx context.Context, req request, query string, args []any, grain time.Duration, shape clickHouseRows, from, to time.Time, cells map[rollupKey]*rollupCounts) error {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var value string
		var slot int64
		var c rollupCounts
		var dest []any
		switch shape {
		case rowsTotals:
			dest = []any{&slot, &c.visitors, &c.visits, &c.pageviews, &c.events, &c.bounces, &c.durationMS}
		case rowsValues:
			dest = []any{&value, &slot, &c.visitors, &c.visits, &c.pageviews, &c.events, &c.bounces, &c.durationMS}
		case rowsTop:
			dest = []any{&value, &c.visitors, &c.visits, &c.pageviews, &c.events}
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
		bucket, ok := req.bucketOf(t, from, to)
		if !ok {
			continue
		}
		k := rollupKey{bucket, req.dim, value}
		if cells[k] == nil {
			cells[k] = &rollupCounts{}
		}
		cells[k].add(&c)
	}
	return rows.Err()
}

// eventOwn reports whether req's dimension and every one it filters on
// are the event's own rather than its visit's.
func (req request) eventOwn() bool {
	if clickHouseDimensions[req.dim].visit != "" {
		return false
	}
	for _, c := range req.where {
		if clickHouseDimensions[c.dim].visit != "" {
			return false
		}
	}
	return true
}

// collectTopQuery returns collect-top.sql for req, whose dimensions are
// all the event's own, with the arguments of the filter's values.
func (s *ClickHouseStore) collectTopQuery(req request) (string, []any) {
	matches := []string{"1"}
	var args []any
	for i, c := range req.where {
		d := clickHouseDimensions[c.dim]
		name := fmt.Sprintf("where%d", i)
		matches = append(matches, fmt.Sprintf("(%s AND %s = @%s)", d.has, d.value, name))
		args = append(args, clickhouse.Named(name, c.value))
	}
	d := clickHouseDimensions[req.dim]
	query := strings.NewReplacer(
		"/*value*/", d.value,
		"/*has_value*/", d.has,
		"/*matches*/", strings.Join(matches, " AND "),
	).Replace(s.q["collect-top"])
	return query, args
}

// collectQuery returns the collect query for req's dimension and filter,
// with the arguments of the filter's values.
func (s *ClickHouseStore) collectQuery(req request) (string, []any) {
	var visitColumns, arrayJoin strings.Builder
	carried := make(map[string]bool)
	carry := func(d clickHouseDimension) {
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
	for i, c := range req.where {
		d := clickHouseDimensions[c.dim]
		carry(d)
		name := fmt.Sprintf("where%d", i)
		matches = append(matches, fmt.Sprintf("(%s AND %s = @%s)", d.has, d.value, name))
		args = append(args, clickhouse.Named(name, c.value))
	}
	d := clickHouseDimensions[req.dim]
	carry(d)
	query := strings.NewReplacer(
		"/*value*/", d.value,
		"/*has_value*/", d.has,
		"/*matches*/", strings.Join(matches, " AND "),
		"/*visit_columns*/", visitColumns.String(),
		"/*array_join*/", arrayJoin.String(),
	).Replace(s.q["collect"])
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
