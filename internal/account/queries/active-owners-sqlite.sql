-- Owners who can still sign in; the console refuses to remove the last.
-- SQLite needs no row locks: the transaction already holds the only writer.
SELECT id FROM admin_users
WHERE role = 'owner' AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
