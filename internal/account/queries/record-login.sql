UPDATE admin_users SET failed_logins = 0, last_login_at = $2 WHERE id = $1
