-- Choices per UTC day in [$1, $2). given_at is UTC text, so its first ten
-- characters are the day.
SELECT substr(given_at, 1, 10) AS day,
	sum(CASE WHEN kind = 'accept_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'reject_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'custom' THEN 1 ELSE 0 END),
	sum(gpc)
FROM consent_records
WHERE given_at >= $1 AND given_at < $2
GROUP BY day
ORDER BY day
