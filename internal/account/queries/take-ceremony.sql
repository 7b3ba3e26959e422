-- Removes and returns the ceremony of a key's hash in one statement, so
-- that of two answers to one challenge, on any instances, one finds it.
DELETE FROM admin_passkey_ceremonies WHERE key_hash = $1
RETURNING user_id, name, next, data, expires_at
