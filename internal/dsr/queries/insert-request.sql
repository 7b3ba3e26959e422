-- Stores a request waiting for its link to be followed. The id, reference
-- and token are random, so they never collide in practice; the unique keys
-- turn the impossible case into an error.
INSERT INTO dsr_requests
	(id, reference, kind, status, lang, created_at, updated_at, vault_id, token_hash, token_expires_at)
VALUES ($1, $2, $3, 'pending_verification', $4, $5, $5, $6, $7, $8)
