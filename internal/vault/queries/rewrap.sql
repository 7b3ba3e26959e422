-- Replaces one record's wrapped data key. The conditions keep a record that
-- was shredded, or re-wrapped by another rotation, since it was read from
-- getting a key back.
UPDATE vault_records
SET kek_id = $2, wrapped_dek = $3
WHERE id = $1 AND kek_id = $4 AND shredded_at IS NULL
