-- Passkey (WebAuthn) ceremonies in progress, so that a ceremony begun on
-- one Noren instance can be finished on another that shares the database.
--
-- key_hash is the SHA-256 of what binds the ceremony to the browser (its
-- kind and its console session, or before sign-in its sign-in cookie):
-- the database never holds the value itself. data is the relying party's
-- state as JSON, above all the challenge, which is public once sent.
-- user_id is NULL for a passwordless sign-in, whose account is not known
-- until the answer. A row is deleted at the first answer, whatever the
-- outcome, and rows past expires_at are deleted as new ceremonies begin.
CREATE TABLE admin_passkey_ceremonies (
	key_hash   text PRIMARY KEY,
	user_id    bigint REFERENCES admin_users (id) ON DELETE CASCADE,
	name       text NOT NULL DEFAULT '',
	next       text NOT NULL DEFAULT '',
	data       text NOT NULL,
	expires_at timestamptz NOT NULL
);

CREATE INDEX admin_passkey_ceremonies_expires ON admin_passkey_ceremonies (expires_at);
