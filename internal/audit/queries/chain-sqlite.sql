-- The whole chain in order, for Verify. at is read as the stored text, not
-- parsed by the driver, so that Verify sees every byte of it: another
-- spelling of the same instant is tampering too.
SELECT seq, CAST(at AS TEXT), actor, role, action, object, purpose, outcome, address, detail, prev_hash, hash
FROM audit_log
ORDER BY seq
