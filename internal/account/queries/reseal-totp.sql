-- Replaces an authenticator secret with the same secret sealed anew,
-- unless it changed since it was read: a concurrent enrolment wins. The
-- replay window stays, as the secret is the same.
UPDATE admin_users SET totp_secret = $2, totp_kek = $3
WHERE id = $1 AND totp_secret = $4 AND totp_kek = $5
