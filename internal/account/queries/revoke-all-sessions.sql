UPDATE admin_sessions SET revoked_at = $1 WHERE revoked_at IS NULL
