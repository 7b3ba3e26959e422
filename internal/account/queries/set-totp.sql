-- Enrolling or removing an authenticator starts its replay window afresh.
UPDATE admin_users SET totp_secret = $2, totp_last_step = 0 WHERE id = $1
