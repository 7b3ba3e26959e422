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
-- change of status; it must not hold personal data. Times are UTC text of
-- fixed width declared TIMESTAMP, as in every table.
CREATE TABLE dsr_requests (
	id               TEXT NOT NULL PRIMARY KEY
	                 CHECK (length(id) = 26 AND id NOT GLOB '*[^a-z2-7]*'),
	reference        TEXT NOT NULL UNIQUE
	                 CHECK (length(reference) = 11 AND reference GLOB 'R-[A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7]-[A-Z2-7][A-Z2-7][A-Z2-7][A-Z2-7]'),
	kind             TEXT NOT NULL CHECK (kind IN ('disclosure', 'correction', 'cessation', 'deletion', 'provision-record')),
	status           TEXT NOT NULL CHECK (status IN ('pending_verification', 'verified', 'in_progress', 'done', 'rejected', 'expired')),
	lang             TEXT NOT NULL,
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL,
	verified_at      TIMESTAMP,
	deadline         TIMESTAMP,
	vault_id         TEXT NOT NULL UNIQUE REFERENCES vault_records (id),
	token_hash       BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	token_expires_at TIMESTAMP NOT NULL,
	token_used_at    TIMESTAMP,
	match_count      INTEGER,
	note             TEXT NOT NULL DEFAULT '',
	CHECK ((verified_at IS NULL) = (deadline IS NULL))
);

-- The console lists requests newest first, per status.
CREATE INDEX dsr_requests_status ON dsr_requests (status, created_at);

-- The vault records a verified request concerns: ids only, which are not
-- personal data.
CREATE TABLE dsr_matches (
	request_id TEXT NOT NULL REFERENCES dsr_requests (id) ON DELETE CASCADE,
	vault_id   TEXT NOT NULL REFERENCES vault_records (id),
	PRIMARY KEY (request_id, vault_id)
);
