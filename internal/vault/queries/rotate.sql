-- The next batch of live records whose data key is not yet wrapped by the
-- new key-encryption key $1. Re-wrapped rows drop out of the condition, so
-- no cursor is needed and an interrupted rotation resumes where it stopped.
SELECT id, kind, form, kek_id, wrapped_dek
FROM vault_records
WHERE shredded_at IS NULL AND kek_id <> $1
ORDER BY id
LIMIT $2
