-- One record with what it takes to decrypt it; the key columns are NULL
-- once it is shredded.
SELECT kind, form, created_at, expires_at, kek_id, wrapped_dek, ciphertext, shredded_at
FROM vault_records
WHERE id = $1
