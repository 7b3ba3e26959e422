-- Live sessions of one account, or of every account when $1 is 0, newest
-- first.
SELECT id_hash, user_id, stage, csrf, created_at, last_seen_at, expires_at, address, agent FROM admin_sessions
WHERE ($1 = 0 OR user_id = $1) AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
ORDER BY last_seen_at DESC
