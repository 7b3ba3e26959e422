-- Forgets failures last seen before $1 whose lock, if any, ended before $2.
DELETE FROM admin_login_failures WHERE last_failure < $1 AND (locked_until IS NULL OR locked_until < $2)
