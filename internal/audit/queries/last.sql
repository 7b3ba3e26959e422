-- The newest entry, which the next one chains to.
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1
