-- The time of a site's oldest stored event at or after $2.
SELECT time FROM analytics_events WHERE site = $1 AND time >= $2 ORDER BY time LIMIT 1
