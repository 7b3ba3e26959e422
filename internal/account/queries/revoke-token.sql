-- Revokes a token of account $2, or of any account when $2 is 0.
UPDATE admin_tokens SET revoked_at = $3
WHERE id = $1 AND ($2 = 0 OR user_id = $2) AND revoked_at IS NULL
