-- Counts a wrong password. Reaching the threshold ($2) locks the account
-- until $3 and starts the count again, so that after the lock ends the
-- person has the full number of tries.
UPDATE admin_users
SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
    locked_until  = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
WHERE id = $1
RETURNING failed_logins, locked_until
