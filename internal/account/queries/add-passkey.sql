INSERT INTO admin_passkeys (user_id, credential_id, public_key, sign_count, transports, aaguid, backup_eligible, backup_state, name, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, user_id, credential_id, public_key, sign_count, transports, aaguid, backup_eligible, backup_state, name, created_at, last_used_at
