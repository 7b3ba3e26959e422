-- Authenticator secrets are sealed with the vault's key-encryption key
-- (KEK): totp_kek names the KEK and totp_secret then holds the sealed
-- secret in base64. An empty totp_kek marks a secret stored as issued, as
-- before this migration; Noren seals those at its next start with vault
-- keys.
ALTER TABLE admin_users ADD COLUMN totp_kek TEXT NOT NULL DEFAULT '';
