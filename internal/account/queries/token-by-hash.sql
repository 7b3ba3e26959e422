SELECT id, user_id, name, role, hint, created_at, expires_at, last_used_at, revoked_at FROM admin_tokens WHERE hash = $1
