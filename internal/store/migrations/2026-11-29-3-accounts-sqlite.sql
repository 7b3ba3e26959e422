-- Accounts of the administration console, their sessions and API tokens.
--
-- Times are UTC text of fixed width declared TIMESTAMP, as in every table;
-- NULL means "never" or "not set". Passwords are stored as argon2id PHC
-- strings and session ids and API tokens as SHA-256 hashes; TOTP secrets are
-- stored as issued, since each code is computed from them.
CREATE TABLE admin_users (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	email               TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
	name                TEXT NOT NULL DEFAULT '',
	role                TEXT NOT NULL CHECK (role IN ('owner', 'analyst', 'handler', 'contractor', 'auditor')),
	forms               TEXT NOT NULL DEFAULT '',
	expires_at          TIMESTAMP,
	lang                TEXT NOT NULL DEFAULT '',
	password_hash       TEXT NOT NULL,
	password_changed_at TIMESTAMP NOT NULL,
	totp_secret         TEXT NOT NULL DEFAULT '',
	totp_last_step      INTEGER NOT NULL DEFAULT 0,
	failed_logins       INTEGER NOT NULL DEFAULT 0,
	locked_until        TIMESTAMP,
	disabled_at         TIMESTAMP,
	created_at          TIMESTAMP NOT NULL,
	last_login_at       TIMESTAMP
);

CREATE TABLE admin_sessions (
	id_hash      TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	stage        TEXT NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'full')),
	csrf         TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL,
	address      TEXT NOT NULL DEFAULT '',
	agent        TEXT NOT NULL DEFAULT '',
	revoked_at   TIMESTAMP
);

CREATE INDEX admin_sessions_user ON admin_sessions (user_id);

CREATE TABLE admin_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('owner', 'analyst', 'handler', 'contractor', 'auditor')),
	hash         TEXT NOT NULL UNIQUE,
	hint         TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP,
	last_used_at TIMESTAMP,
	revoked_at   TIMESTAMP
);

CREATE INDEX admin_tokens_user ON admin_tokens (user_id);
