-- Forgets every failure and lifts every lock of the account.
DELETE FROM admin_login_failures WHERE user_id = $1
