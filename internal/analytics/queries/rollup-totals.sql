-- One value's counts over the hours [$4, $5) and [$6, $7) and the days
-- [$8, $9): a long range is read from daily rows, and only its ends, which
-- need not fall on UTC midnight, from hourly ones.
SELECT CAST(coalesce(sum(visitors), 0) AS bigint), CAST(coalesce(sum(visits), 0) AS bigint), CAST(coalesce(sum(pageviews), 0) AS bigint),
       CAST(coalesce(sum(events), 0) AS bigint), CAST(coalesce(sum(bounces), 0) AS bigint), CAST(coalesce(sum(duration_ms), 0) AS bigint)
FROM (
	SELECT visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_hourly
	WHERE site = $1 AND dim = $2 AND value = $3 AND hour >= $4 AND hour < $5
	UNION ALL
	SELECT visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_hourly
	WHERE site = $1 AND dim = $2 AND value = $3 AND hour >= $6 AND hour < $7
	UNION ALL
	SELECT visitors, visits, pageviews, events, bounces, duration_ms FROM analytics_daily
	WHERE site = $1 AND dim = $2 AND value = $3 AND day >= $8 AND day < $9
) AS parts
