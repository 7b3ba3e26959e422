-- Live records per key-encryption key: a key may be discarded only when no
-- live record needs it.
SELECT kek_id, count(*)
FROM vault_records
WHERE shredded_at IS NULL
GROUP BY kek_id
ORDER BY kek_id
