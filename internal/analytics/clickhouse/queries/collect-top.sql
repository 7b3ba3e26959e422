-- The visitors, visits, pageviews and events of each value of one
-- dimension for the events of @site matching a filter, when the dimension
-- and every filtered one are the event's own (not the visit's): then no
-- visit needs rebuilding, only numbering, since a visitor or visit counts
-- at its first event that matches and has the value, and bounces and
-- durations are not wanted. Days, range, visits and the comments the
-- store fills in are those of collect.sql.
SELECT value, toInt64(countIf(visitor_first >= @from AND visitor_first < @to)), toInt64(sum(visits)),
	toInt64(sum(pageviews)), toInt64(sum(events))
FROM (
	SELECT value, min(visit_first) AS visitor_first,
		countIf(visit_first >= @from AND visit_first < @to) AS visits,
		sum(visit_pageviews) AS pageviews, sum(visit_events) AS events
	FROM (
		SELECT day, visitor, visit, /*value*/ AS value, min(time_us) AS visit_first,
			countIf(time_us >= @from AND time_us < @to AND name = 'pageview') AS visit_pageviews,
			countIf(time_us >= @from AND time_us < @to) AS visit_events
		FROM (
			-- One row per event, numbered with its visit, as in
			-- collect.sql.
			SELECT day, visitor, arrayCount(s -> s <= time_us, visit_starts) AS visit, time_us, name /*event_columns*/
			FROM (
				SELECT day, visitor,
					groupArray(time_us) AS d_time_us,
					groupArray(name) AS d_name
					/*day_columns*/,
					arraySort(d_time_us) AS sorted,
					arrayFilter((t, d, i) -> i = 1 OR d > @gap, sorted, arrayDifference(sorted), arrayEnumerate(sorted)) AS visit_starts
				FROM analytics_events
				WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
				GROUP BY intDiv(time_us, 86400000000) AS day, visitor
			)
			ARRAY JOIN d_time_us AS time_us, d_name AS name /*day_array_join*/
		)
		WHERE (/*matches*/) AND (/*has_value*/)
		GROUP BY day, visitor, visit, value
	)
	GROUP BY day, visitor, value
)
GROUP BY value
-- Values seen only outside the range, earlier or later in its days.
HAVING sum(events) > 0
