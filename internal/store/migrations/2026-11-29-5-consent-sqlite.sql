-- Visitors' consent choices: one row per choice made on the banner, in the
-- preference centre or on the choices page, append-only.
--
-- A row holds no IP address, no user agent and no identifier but the
-- receipt, a random value also kept in the visitor's noren_consent cookie,
-- and prev_receipt, the receipt of the choice it replaces ('' for a first
-- choice). categories and tools are JSON objects mapping each id that needed
-- consent to true or false. Times are UTC text of fixed width declared
-- TIMESTAMP, as in every table.
CREATE TABLE consent_records (
	receipt         TEXT NOT NULL PRIMARY KEY
	                CHECK (length(receipt) = 22 AND receipt NOT GLOB '*[^A-Za-z0-9_-]*'),
	prev_receipt    TEXT NOT NULL
	                CHECK (prev_receipt = '' OR (length(prev_receipt) = 22 AND prev_receipt NOT GLOB '*[^A-Za-z0-9_-]*')),
	given_at        TIMESTAMP NOT NULL
	                CHECK (given_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
	policy_hash     TEXT NOT NULL CHECK (length(policy_hash) = 64 AND policy_hash NOT GLOB '*[^0-9a-f]*'),
	consent_version TEXT NOT NULL CHECK (length(consent_version) = 12 AND consent_version NOT GLOB '*[^0-9a-f]*'),
	categories      TEXT NOT NULL CHECK (json_valid(categories) AND json_type(categories) = 'object'),
	tools           TEXT NOT NULL CHECK (json_valid(tools) AND json_type(tools) = 'object'),
	method          TEXT NOT NULL CHECK (method IN ('banner', 'preferences', 'nojs')),
	gpc             INTEGER NOT NULL CHECK (gpc IN (0, 1)),
	kind            TEXT NOT NULL CHECK (kind IN ('accept_all', 'reject_all', 'custom')),
	lang            TEXT NOT NULL
);

-- The console counts and exports choices by time.
CREATE INDEX consent_records_given_at ON consent_records (given_at);

CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON consent_records
BEGIN
	SELECT RAISE(ABORT, 'consent_records is append-only: UPDATE refused');
END;

CREATE TRIGGER consent_records_no_delete BEFORE DELETE ON consent_records
BEGIN
	SELECT RAISE(ABORT, 'consent_records is append-only: DELETE refused');
END;
