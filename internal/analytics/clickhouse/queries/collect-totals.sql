-- The totals of @site's events without a filter, which collect.sql also
-- computes, in a cheaper way: with no filter, a visitor and a visit count
-- at their first event. Days, range, slots and the visitors condition are
-- those of collect.sql.
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
		SELECT min(visit_first) AS visitor_first,
			groupArrayIf((intDiv(visit_first, @grain), visit_pageviews = 1, intDiv(visit_last - visit_first, 1000)),
				visit_first >= @from AND visit_first < @to) AS counted_visits
		FROM (
			-- The visits.
			SELECT day, visitor,
				min(time_us) AS visit_first,
				max(time_us) AS visit_last,
				countIf(name = 'pageview') AS visit_pageviews
			FROM analytics_events
			WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
			GROUP BY intDiv(time_us, 86400000000) AS day, visitor, session
		)
		GROUP BY day, visitor
	)
	ARRAY JOIN arrayConcat(
		arrayFilter(x -> visitor_first >= @from AND visitor_first < @to,
			[(intDiv(visitor_first, @grain), toInt64(1), toInt64(0), toInt64(0), toInt64(0))]),
		arrayMap(v -> (v.1, toInt64(0), toInt64(1), toInt64(v.2), v.3), counted_visits)
	) AS c
)
GROUP BY slot
