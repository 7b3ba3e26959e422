INSERT INTO admin_tokens (user_id, name, role, hash, hint, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, user_id, name, role, hint, created_at, expires_at, last_used_at, revoked_at
