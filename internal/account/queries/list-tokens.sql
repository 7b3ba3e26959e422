-- Tokens of one account, or of every account when $1 is 0, newest first.
SELECT id, user_id, name, role, hint, created_at, expires_at, last_used_at, revoked_at FROM admin_tokens WHERE $1 = 0 OR user_id = $1 ORDER BY created_at DESC, id DESC
