package analytics

import (
	"context"
	"fmt"
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

// collect computes req's cells, keyed by bucket index, req.dim and value,
// from the raw events of every UTC day the range touches, a chunk of days
// per query.
func (s *ClickHouseStore) collect(ctx context.Context, req request) (map[rollupKey]*rollupCounts, error) {
	cells := make(map[rollupKey]*rollupCounts)
	from, to := req.edges[0], req.edges[len(req.edges)-1]
	if !from.Before(to) {
		return cells, nil
	}
	// Unfiltered totals, the dashboard's headline and chart, have a
	// cheaper query of their own.
	totalsOnly := req.dim == dimTotal && len(req.where) == 0
	query, args := s.q["collect-totals"], []any(nil)
	if !totalsOnly {
		query, args = s.collectQuery(req)
	}
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
		if err := s.collectChunk(ctx, req, query, chunkArgs, grain, !totalsOnly, cells); err != nil {
			return nil, err
		}
	}
	return cells, nil
}

// collectChunk runs a collect query for one chunk of days and adds its
// rows to cells. The rows of collect-totals have no value column.
func (s *ClickHouseStore) collectChunk(ctx context.Context, req request, query string, args []any, grain time.Duration, withValue bool, cells map[rollupKey]*rollupCounts) error {
	from, to := req.edges[0], req.edges[len(req.edges)-1]
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var value string
		var slot int64
		var c rollupCounts
		dest := []any{&slot, &c.visitors, &c.visits, &c.pageviews, &c.events, &c.bounces, &c.durationMS}
		if withValue {
			dest = append([]any{&value}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		// No bucket edge but the range's own falls within a slot, so the
		// slot's part in the range lies in one bucket.
		t := time.UnixMicro(slot * grain.Microseconds())
		if t.Before(from) {
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
