-- The end of the lock of network $2 out of the account, if it is later
-- than $3.
SELECT locked_until FROM admin_login_failures WHERE user_id = $1 AND network = $2 AND locked_until > $3
