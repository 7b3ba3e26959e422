-- Accounts of the administration console, their sessions and API tokens.
--
-- NULL means "never" or "not set". Passwords are stored as argon2id PHC
-- strings and session ids and API tokens as SHA-256 hashes; TOTP secrets are
-- stored as issued, since each code is computed from them.
CREATE TABLE admin_users (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email               text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
	name                text NOT NULL DEFAULT '',
	role                text NOT NULL CHECK (role IN ('owner', 'analyst', 'handler', 'contractor', 'auditor')),
	forms               text NOT NULL DEFAULT '',
	expires_at          timestamptz,
	lang                text NOT NULL DEFAULT '',
	password_hash       text NOT NULL,
	password_changed_at timestamptz NOT NULL,
	totp_secret         text NOT NULL DEFAULT '',
	totp_last_step      bigint NOT NULL DEFAULT 0,
	failed_logins       bigint NOT NULL DEFAULT 0,
	locked_until        timestamptz,
	disabled_at         timestamptz,
	created_at          timestamptz NOT NULL,
	last_login_at       timestamptz
);

CREATE TABLE admin_sessions (
	id_hash      text PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	stage        text NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'full')),
	csrf         text NOT NULL,
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	address      text NOT NULL DEFAULT '',
	agent        text NOT NULL DEFAULT '',
	revoked_at   timestamptz
);

CREATE INDEX admin_sessions_user ON admin_sessions (user_id);

CREATE TABLE admin_tokens (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	name         text NOT NULL,
	role         text NOT NULL CHECK (role IN ('owner', 'analyst', 'handler', 'contractor', 'auditor')),
	hash         text NOT NULL UNIQUE,
	hint         text NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz,
	last_used_at timestamptz,
	revoked_at   timestamptz
);

CREATE INDEX admin_tokens_user ON admin_tokens (user_id);
