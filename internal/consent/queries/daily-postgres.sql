-- Choices per quarter of an hour (UTC) in [$1, $2). Every time zone's
-- days begin on a quarter of an hour, so the caller sums the quarters into
-- the days of the site's zone.
SELECT to_char(date_trunc('hour', given_at AT TIME ZONE 'UTC')
		+ floor(extract(minute FROM given_at AT TIME ZONE 'UTC') / 15) * interval '15 minutes',
		'YYYY-MM-DD"T"HH24:MI') AS slot,
	sum(CASE WHEN kind = 'accept_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'reject_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'custom' THEN 1 ELSE 0 END),
	sum(gpc)
FROM consent_records
WHERE given_at >= $1 AND given_at < $2
GROUP BY slot
ORDER BY slot
