-- Locks the network $2 out of the account until $3 and starts the count
-- again, so that after the lock ends the person has the full number of
-- tries.
UPDATE admin_login_failures SET failures = 0, locked_until = $3 WHERE user_id = $1 AND network = $2
