-- The whole chain in order, for Verify.
SELECT seq, at, actor, role, action, object, purpose, outcome, address, detail, prev_hash, hash
FROM audit_log
ORDER BY seq
