-- One live record wrapped by key-encryption key $1, to prove the key opens it.
SELECT id FROM vault_records WHERE shredded_at IS NULL AND kek_id = $1 ORDER BY id LIMIT 1
