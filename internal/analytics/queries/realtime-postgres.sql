-- Visitor ids seen in (now - 30 minutes, now].
SELECT count(DISTINCT visitor) FROM analytics_events WHERE site = $1 AND time > $2 AND time <= $3
