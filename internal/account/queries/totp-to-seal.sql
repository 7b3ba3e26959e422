-- The next accounts whose authenticator secret is not sealed under the
-- active key-encryption key $1: stored as issued (totp_kek = ''), or under
-- an older key. Resealed rows drop out, so no cursor is needed.
SELECT id, totp_secret, totp_kek FROM admin_users
WHERE totp_secret <> '' AND totp_kek <> $1
ORDER BY id
LIMIT $2
