UPDATE admin_users SET lang = $2 WHERE id = $1
