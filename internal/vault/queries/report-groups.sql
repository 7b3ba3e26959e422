-- Live, shredded and past-expiry records per form and kind.
SELECT form, kind,
	sum(CASE WHEN shredded_at IS NULL THEN 1 ELSE 0 END),
	sum(CASE WHEN shredded_at IS NULL THEN 0 ELSE 1 END),
	sum(CASE WHEN shredded_at IS NULL AND expires_at <= $1 THEN 1 ELSE 0 END)
FROM vault_records
GROUP BY form, kind
ORDER BY form, kind
