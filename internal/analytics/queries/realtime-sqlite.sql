-- Visitor ids seen in (now - 30 minutes, now]. Left to itself, SQLite
-- would rather walk the whole (site, visitor) index for the DISTINCT.
SELECT count(DISTINCT visitor) FROM analytics_events INDEXED BY analytics_events_site_time
WHERE site = $1 AND time > $2 AND time <= $3
