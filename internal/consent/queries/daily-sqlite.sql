-- Choices per quarter of an hour (UTC) in [$1, $2). Every time zone's
-- days begin on a quarter of an hour, so the caller sums the quarters into
-- the days of the site's zone. given_at is UTC text, so its first 14
-- characters are the hour and the next two the minute.
SELECT substr(given_at, 1, 14) || printf('%02d', (CAST(substr(given_at, 15, 2) AS INTEGER) / 15) * 15) AS slot,
	sum(CASE WHEN kind = 'accept_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'reject_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'custom' THEN 1 ELSE 0 END),
	sum(gpc)
FROM consent_records
WHERE given_at >= $1 AND given_at < $2
GROUP BY slot
ORDER BY slot
