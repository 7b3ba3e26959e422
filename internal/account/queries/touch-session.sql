UPDATE admin_sessions SET last_seen_at = $2 WHERE id_hash = $1
