-- A live session: not revoked, not past its absolute end ($2 is now), and
-- used within the idle timeout ($3 is now minus the timeout).
SELECT id_hash, user_id, stage, csrf, created_at, last_seen_at, expires_at, address, agent FROM admin_sessions
WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
