-- One value's hourly rollups in [$4, $5), for series.
SELECT hour, visitors, visits, pageviews, events, bounces, duration_ms
FROM analytics_hourly
WHERE site = $1 AND dim = $2 AND value = $3 AND hour >= $4 AND hour < $5
