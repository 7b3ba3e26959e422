-- Enrolling or removing an authenticator starts its replay window afresh.
-- $3 names the key-encryption key that sealed the secret, '' for none.
UPDATE admin_users SET totp_secret = $2, totp_kek = $3, totp_last_step = 0 WHERE id = $1
