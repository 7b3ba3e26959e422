-- Choices per UTC day in [$1, $2).
SELECT to_char(given_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
	sum(CASE WHEN kind = 'accept_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'reject_all' THEN 1 ELSE 0 END),
	sum(CASE WHEN kind = 'custom' THEN 1 ELSE 0 END),
	sum(gpc)
FROM consent_records
WHERE given_at >= $1 AND given_at < $2
GROUP BY day
ORDER BY day
