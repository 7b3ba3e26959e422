-- Ended sessions are kept a while (until $1) so an owner can see recent
-- sign-ins, then removed.
DELETE FROM admin_sessions WHERE expires_at < $1 OR revoked_at < $1
