-- WebAuthn passkeys of console accounts.
--
-- A passkey is stored as its public key: nothing here lets anyone sign in.
-- The handle is the opaque user id authenticators keep with a discoverable
-- credential and hand back at sign-in; it is random, so it tells nothing
-- about the account, and stays the same for all of an account's passkeys.
CREATE TABLE admin_passkey_handles (
	user_id bigint PRIMARY KEY REFERENCES admin_users (id) ON DELETE CASCADE,
	handle  bytea NOT NULL UNIQUE
);

-- sign_count is the authenticator's signature counter, checked at each use
-- to detect a cloned authenticator; transports is a comma-separated list
-- of hints such as "usb,nfc" or "internal,hybrid". backup_eligible and
-- backup_state are the BE and BS flags: a passkey that may be, or is,
-- synced between devices.
CREATE TABLE admin_passkeys (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	credential_id   bytea NOT NULL UNIQUE,
	public_key      bytea NOT NULL,
	sign_count      bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
	transports      text NOT NULL DEFAULT '',
	aaguid          bytea NOT NULL,
	backup_eligible boolean NOT NULL DEFAULT false,
	backup_state    boolean NOT NULL DEFAULT false,
	name            text NOT NULL,
	created_at      timestamptz NOT NULL,
	last_used_at    timestamptz
);

CREATE INDEX admin_passkeys_user ON admin_passkeys (user_id);
