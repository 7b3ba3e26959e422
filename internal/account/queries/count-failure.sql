-- Counts a failure against the account as a whole, for owners to see; it
-- locks nothing.
UPDATE admin_users SET failed_logins = failed_logins + 1 WHERE id = $1
