-- The number of a site's events in [$2, $3): a rollup compares it with the
-- events it read, to tell whether a batch arrived in between.
SELECT count(*) FROM analytics_events WHERE site = $1 AND time >= $2 AND time < $3
