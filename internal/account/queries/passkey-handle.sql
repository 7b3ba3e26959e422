SELECT handle FROM admin_passkey_handles WHERE user_id = $1
