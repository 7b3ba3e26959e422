-- How many authenticator secrets each key-encryption key seals; '' counts
-- those stored as issued.
SELECT totp_kek, count(*) FROM admin_users WHERE totp_secret <> '' GROUP BY totp_kek ORDER BY totp_kek
