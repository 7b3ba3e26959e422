-- The totals of @site's events without a filter, which collect.sql also
-- computes, in a cheaper way: with no filter, a visitor and a visit count
-- at their first event, and a visitor day's visits are read off its
-- sorted events without unfolding them. Days, range, slots, visits and
-- the visitors condition are those of collect.sql.
SELECT slot, sum(visitors), sum(visits), sum(pageviews), sum(events), sum(bounces), sum(duration_ms)
FROM (
	-- The events by their own time.
	SELECT intDiv(time_us, @grain) AS slot,
		toInt64(0) AS visitors, toInt64(0) AS visits,
		toInt64(countIf(name = 'pageview')) AS pageviews, toInt64(count()) AS events,
		toInt64(0) AS bounces, toInt64(0) AS duration_ms
	FROM analytics_events
	WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
		AND time_us >= @from AND time_us < @to
	GROUP BY slot
	UNION ALL
	-- The visitors, each at its first visit.
	SELECT c.1 AS slot,
		toInt64(c.2) AS visitors, toInt64(c.3) AS visits,
		toInt64(0) AS pageviews, toInt64(0) AS events,
		toInt64(c.4) AS bounces, toInt64(c.5) AS duration_ms
	FROM (
		-- One row per visitor day, with its events sorted by time. A
		-- visit runs from a start (the first event, or one more than @gap
		-- after the one before) to an end (the last event, or one more
		-- than @gap before the next); its pageviews are the difference of
		-- the running count of pageviews between the ends. The lambdas
		-- read only their arguments: ClickHouse 18.16 loses track of a
		-- column that a lambda alone reads from outside.
		SELECT arraySort(groupArray((time_us, name = 'pageview'))) AS sorted,
			arrayMap(e -> e.1, sorted) AS times,
			times[1] AS visitor_first,
			arrayMap((d, i) -> i = 1 OR d > @gap, arrayDifference(times), arrayEnumerate(times)) AS is_start,
			arrayMap(d -> d > @gap, arrayPushBack(arrayPopFront(arrayDifference(times)), toInt64(@gap + 1))) AS is_end,
			arrayFilter((c, e) -> e, arrayCumSum(arrayMap(e -> toUInt64(e.2), sorted)), is_end) AS pageviews_by_end,
			arrayMap(v -> (intDiv(v.1, @grain), v.2, v.3), arrayFilter(v -> v.1 >= @from AND v.1 < @to,
				arrayMap((s, e, p) -> (s, p = 1, intDiv(e - s, 1000)),
					arrayFilter((t, s) -> s, times, is_start),
					arrayFilter((t, e) -> e, times, is_end),
					arrayMap((c, d, i) -> if(i = 1, toInt64(c), toInt64(d)), pageviews_by_end, arrayDifference(pageviews_by_end), arrayEnumerate(pageviews_by_end))))
			) AS counted_visits
		FROM analytics_events
		WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
		GROUP BY intDiv(time_us, 86400000000) AS day, visitor
	)
	ARRAY JOIN arrayConcat(
		arrayFilter(x -> visitor_first >= @from AND visitor_first < @to,
			[(intDiv(visitor_first, @grain), toInt64(1), toInt64(0), toInt64(0), toInt64(0))]),
		arrayMap(v -> (v.1, toInt64(0), toInt64(1), toInt64(v.2), v.3), counted_visits)
	) AS c
)
GROUP BY slot
