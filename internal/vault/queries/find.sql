-- The live records of one subject, by blind index. Shredded records have no
-- index any more, so they never match.
SELECT id, kind, form, created_at, expires_at
FROM vault_records
WHERE subject_index = $1
ORDER BY created_at, id
