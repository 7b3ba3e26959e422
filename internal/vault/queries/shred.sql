-- Destroys a record's wrapped data key, payload and blind index. The
-- condition on shredded_at makes a concurrent second shred a no-op.
UPDATE vault_records
SET kek_id = NULL, wrapped_dek = NULL, ciphertext = NULL, subject_index = NULL, shredded_at = $2
WHERE id = $1 AND shredded_at IS NULL
