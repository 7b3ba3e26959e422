-- Ends every session of an account except the one whose hash is $3 (pass
-- '' to end them all).
UPDATE admin_sessions SET revoked_at = $2
WHERE user_id = $1 AND revoked_at IS NULL AND id_hash <> $3
