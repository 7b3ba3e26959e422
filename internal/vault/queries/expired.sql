-- The live records whose retention ended at or before $1.
SELECT id, kind, form, created_at, expires_at
FROM vault_records
WHERE shredded_at IS NULL AND expires_at <= $1
ORDER BY expires_at, id
