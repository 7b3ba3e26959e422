-- The visitors, visits, pageviews and events of each value of one
-- dimension for the events of @site matching a filter, when the dimension
-- and every filtered one are the event's own (not the visit's): then no
-- visit needs rebuilding, since a visitor or visit counts at its first
-- event that matches and has the value, and bounces and durations are
-- not wanted. Days, range and the comments the store fills in are those
-- of collect.sql.
SELECT value, toInt64(countIf(visitor_first >= @from AND visitor_first < @to)), toInt64(sum(visits)),
	toInt64(sum(pageviews)), toInt64(sum(events))
FROM (
	SELECT value, min(visit_first) AS visitor_first,
		countIf(visit_first >= @from AND visit_first < @to) AS visits,
		sum(visit_pageviews) AS pageviews, sum(visit_events) AS events
	FROM (
		SELECT intDiv(time_us, 86400000000) AS day, visitor, session, /*value*/ AS value, min(time_us) AS visit_first,
			countIf(time_us >= @from AND time_us < @to AND name = 'pageview') AS visit_pageviews,
			countIf(time_us >= @from AND time_us < @to) AS visit_events
		FROM analytics_events
		WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
			AND (/*matches*/) AND (/*has_value*/)
		GROUP BY day, visitor, session, value
	)
	GROUP BY day, visitor, value
)
GROUP BY value
-- Values seen only outside the range, earlier or later in its days.
HAVING sum(events) > 0
