-- WebAuthn passkeys of console accounts.
--
-- A passkey is stored as its public key: nothing here lets anyone sign in.
-- The handle is the opaque user id authenticators keep with a discoverable
-- credential and hand back at sign-in; it is random, so it tells nothing
-- about the account, and stays the same for all of an account's passkeys.
CREATE TABLE admin_passkey_handles (
	user_id INTEGER PRIMARY KEY REFERENCES admin_users (id) ON DELETE CASCADE,
	handle  BLOB NOT NULL UNIQUE
);

-- sign_count is the authenticator's signature counter, checked at each use
-- to detect a cloned authenticator; transports is a comma-separated list
-- of hints such as "usb,nfc" or "internal,hybrid". backup_eligible and
-- backup_state are the BE and BS flags: a passkey that may be, or is,
-- synced between devices.
CREATE TABLE admin_passkeys (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id         INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	credential_id   BLOB NOT NULL UNIQUE,
	public_key      BLOB NOT NULL,
	sign_count      INTEGER NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
	transports      TEXT NOT NULL DEFAULT '',
	aaguid          BLOB NOT NULL,
	backup_eligible INTEGER NOT NULL DEFAULT 0 CHECK (backup_eligible IN (0, 1)),
	backup_state    INTEGER NOT NULL DEFAULT 0 CHECK (backup_state IN (0, 1)),
	name            TEXT NOT NULL,
	created_at      TIMESTAMP NOT NULL,
	last_used_at    TIMESTAMP
);

CREATE INDEX admin_passkeys_user ON admin_passkeys (user_id);
