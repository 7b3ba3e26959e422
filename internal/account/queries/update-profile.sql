UPDATE admin_users SET name = $2, role = $3, forms = $4, expires_at = $5 WHERE id = $1
