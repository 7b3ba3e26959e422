-- Every value of a dimension with its counts over the hours [$3, $4) and
-- [$5, $6) and the days [$7, $8), as rollup-totals splits a range.
SELECT value, CAST(sum(visitors) AS bigint), CAST(sum(visits) AS bigint), CAST(sum(pageviews) AS bigint),
       CAST(sum(events) AS bigint), CAST(sum(bounces) AS bigint), CAST(sum(duration_ms) AS bigint)
FROM (
	SELECT value, visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_hourly
	WHERE site = $1 AND dim = $2 AND hour >= $3 AND hour < $4
	UNION ALL
	SELECT value, visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_hourly
	WHERE site = $1 AND dim = $2 AND hour >= $5 AND hour < $6
	UNION ALL
	SELECT value, visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_daily
	WHERE site = $1 AND dim = $2 AND day >= $7 AND day < $8
) AS parts
GROUP BY value
