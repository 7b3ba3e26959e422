SELECT id, user_id, credential_id, public_key, sign_count, transports, aaguid, backup_eligible, backup_state, name, created_at, last_used_at
FROM admin_passkeys WHERE credential_id = $1
