-- Every column of the entries, for List and Export, which add the filter's
-- WHERE clause and their order.
SELECT seq, at, actor, role, action, object, purpose, outcome, address, detail, prev_hash, hash
FROM audit_log
