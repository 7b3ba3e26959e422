-- A site's events in [$2, $3) of the visitors that have an event in
-- [$4, $5): what it takes to tell which of their visits and visitor ids
-- start in [$4, $5), and how long those visits last. They come a visitor
-- id at a time so that they can be counted as they come.
SELECT id, time, name, visitor, path, referrer, source, campaign, browser, os, device, screen, language, country, search, results, link
FROM analytics_events
WHERE site = $1 AND time >= $2 AND time < $3
  AND visitor IN (SELECT visitor FROM analytics_events WHERE site = $1 AND time >= $4 AND time < $5)
ORDER BY visitor, time, id
