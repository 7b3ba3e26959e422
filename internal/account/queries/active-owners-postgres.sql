-- Owners who can still sign in; the console refuses to remove the last.
-- The rows are locked until the change commits, so a concurrent demotion
-- waits and then counts what this one left.
SELECT id FROM admin_users
WHERE role = 'owner' AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
FOR UPDATE
