-- Whether a record exists and when it was shredded (NULL while live).
SELECT shredded_at FROM vault_records WHERE id = $1
