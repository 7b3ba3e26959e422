-- Records the time step of an accepted code unless a later or equal step
-- was already used, so that each code works once even when two requests
-- race with it.
UPDATE admin_users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2
