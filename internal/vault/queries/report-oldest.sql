-- The oldest live record.
SELECT id, kind, form, created_at, expires_at
FROM vault_records
WHERE shredded_at IS NULL
ORDER BY created_at, id
LIMIT 1
