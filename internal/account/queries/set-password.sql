-- A new password also lifts a lockout: whoever set it knows the account.
UPDATE admin_users
SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL
WHERE id = $1
