-- Adds an account; the e-mail address is unique.
INSERT INTO admin_users (email, name, role, forms, expires_at, lang, password_hash, password_changed_at, created_at)
VALUES ($1, $2, $3, $4, $5, '', $6, $7, $7)
RETURNING id, email, name, role, forms, expires_at, lang, password_hash, password_changed_at, totp_secret, totp_kek, totp_last_step, failed_logins, locked_until, disabled_at, created_at, last_login_at
