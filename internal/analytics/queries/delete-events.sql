-- Deletes a site's raw events before $2.
DELETE FROM analytics_events WHERE site = $1 AND time < $2
