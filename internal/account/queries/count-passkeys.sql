SELECT count(*) FROM admin_passkeys WHERE user_id = $1
