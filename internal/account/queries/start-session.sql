INSERT INTO admin_sessions (id_hash, user_id, stage, csrf, created_at, last_seen_at, expires_at, address, agent)
VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)
