-- Stores one sealed record. The id is random, so it never collides in
-- practice; the primary key turns the impossible case into an error.
INSERT INTO vault_records
	(id, kind, form, created_at, expires_at, subject_index, kek_id, wrapped_dek, ciphertext)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
