-- Shreds, in one statement, every live record whose retention ended at or
-- before $1, and returns what it shredded.
UPDATE vault_records
SET kek_id = NULL, wrapped_dek = NULL, ciphertext = NULL, subject_index = NULL, shredded_at = $1
WHERE shredded_at IS NULL AND expires_at <= $1
RETURNING id, kind, form, created_at, expires_at
