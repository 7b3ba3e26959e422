-- Gives the account a handle unless it has one: of two requests racing,
-- the first handle stays.
INSERT INTO admin_passkey_handles (user_id, handle) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING
