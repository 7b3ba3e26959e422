-- Notes on the account the end of its latest lock still in force at $2,
-- from any network, for owners to see.
UPDATE admin_users
SET locked_until = (SELECT max(locked_until) FROM admin_login_failures WHERE user_id = $1 AND locked_until > $2)
WHERE id = $1
