-- Counts a wrong password or code from the client network $2: the count
-- starts again when the last failure is older than $4 (the lockout
-- duration before now, $3).
INSERT INTO admin_login_failures (user_id, network, failures, last_failure)
VALUES ($1, $2, 1, $3)
ON CONFLICT (user_id, network) DO UPDATE SET
    failures = CASE WHEN admin_login_failures.last_failure < $4 THEN 1 ELSE admin_login_failures.failures + 1 END,
    last_failure = excluded.last_failure
RETURNING failures
