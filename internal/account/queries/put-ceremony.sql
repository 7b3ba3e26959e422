-- Stores a passkey ceremony under its key's hash, replacing the key's
-- earlier ceremony.
INSERT INTO admin_passkey_ceremonies (key_hash, user_id, name, next, data, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (key_hash) DO UPDATE SET
    user_id = excluded.user_id, name = excluded.name, next = excluded.next,
    data = excluded.data, expires_at = excluded.expires_at
