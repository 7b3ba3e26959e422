-- A site's events in [$2, $3), with the columns the rollups read, a
-- visitor id at a time so that they can be counted as they come.
SELECT id, time, name, visitor, path, referrer, source, campaign, browser, os, device, screen, language, country, search, results, link
FROM analytics_events
WHERE site = $1 AND time >= $2 AND time < $3
ORDER BY visitor, time, id
