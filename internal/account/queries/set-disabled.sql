UPDATE admin_users SET disabled_at = $2 WHERE id = $1
