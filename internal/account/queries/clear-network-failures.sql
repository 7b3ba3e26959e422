-- Forgets the failures of network $2, after the right password or code
-- came from it.
DELETE FROM admin_login_failures WHERE user_id = $1 AND network = $2
