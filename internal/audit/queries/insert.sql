-- Appends one entry; Append has already numbered and hashed it.
INSERT INTO audit_log (seq, at, actor, role, action, object, purpose, outcome, address, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
