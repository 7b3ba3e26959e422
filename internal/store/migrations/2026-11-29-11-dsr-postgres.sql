-- Data-subject requests (disclosure, correction, cessation of use, deletion,
-- disclosure of the record of provision to third parties) and the vault
-- records each verified request was found to concern.
--
-- dsr_requests holds no personal data: the requester's e-mail address and
-- anything they wrote are sealed in the vault (vault_id names the record).
-- The verification link is kept only as the SHA-256 of its random part
-- (token_hash), so the table cannot be used to verify a request. reference
-- is the number shown to the person, random (not a counter) and never
-- enough to open anything. note is the console's short remark on the last
-- change of status; it must not hold personal data.
CREATE TABLE dsr_requests (
	id               text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{26}$'),
	reference        text NOT NULL UNIQUE CHECK (reference ~ '^R-[A-Z2-7]{4}-[A-Z2-7]{4}$'),
	kind             text NOT NULL CHECK (kind IN ('disclosure', 'correction', 'cessation', 'deletion', 'provision-record')),
	status           text NOT NULL CHECK (status IN ('pending_verification', 'verified', 'in_progress', 'done', 'rejected', 'expired')),
	lang             text NOT NULL,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	verified_at      timestamptz,
	deadline         timestamptz,
	vault_id         text NOT NULL UNIQUE REFERENCES vault_records (id),
	token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	token_expires_at timestamptz NOT NULL,
	token_used_at    timestamptz,
	match_count      integer,
	note             text NOT NULL DEFAULT '',
	CHECK ((verified_at IS NULL) = (deadline IS NULL))
);

-- The console lists requests newest first, per status.
CREATE INDEX dsr_requests_status ON dsr_requests (status, created_at);

-- The vault records a verified request concerns: ids only, which are not
-- personal data.
CREATE TABLE dsr_matches (
	request_id text NOT NULL REFERENCES dsr_requests (id) ON DELETE CASCADE,
	vault_id   text NOT NULL REFERENCES vault_records (id),
	PRIMARY KEY (request_id, vault_id)
);
