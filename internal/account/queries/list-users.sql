-- Every account, owners first, then by e-mail address.
SELECT id, email, name, role, forms, expires_at, lang, password_hash, password_changed_at, totp_secret, totp_kek, totp_last_step, failed_logins, locked_until, disabled_at, created_at, last_login_at FROM admin_users
ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'analyst' THEN 1 WHEN 'handler' THEN 2 WHEN 'contractor' THEN 3 ELSE 4 END, email
