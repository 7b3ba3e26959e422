-- Visitors' consent choices: one row per choice made on the banner, in the
-- preference centre or on the choices page, append-only.
--
-- A row holds no IP address, no user agent and no identifier but the
-- receipt, a random value also kept in the visitor's noren_consent cookie,
-- and prev_receipt, the receipt of the choice it replaces ('' for a first
-- choice). categories and tools are JSON objects mapping each id that needed
-- consent to true or false, kept as text so that both backends return the
-- text that was written. gpc is 0 or 1, as on SQLite, so that one query
-- counts it on both.
CREATE TABLE consent_records (
	receipt         text PRIMARY KEY CHECK (receipt ~ '^[A-Za-z0-9_-]{22}$'),
	prev_receipt    text NOT NULL CHECK (prev_receipt = '' OR prev_receipt ~ '^[A-Za-z0-9_-]{22}$'),
	given_at        timestamptz NOT NULL,
	policy_hash     text NOT NULL CHECK (policy_hash ~ '^[0-9a-f]{64}$'),
	consent_version text NOT NULL CHECK (consent_version ~ '^[0-9a-f]{12}$'),
	categories      text NOT NULL CHECK (json_typeof(categories::json) = 'object'),
	tools           text NOT NULL CHECK (json_typeof(tools::json) = 'object'),
	method          text NOT NULL CHECK (method IN ('banner', 'preferences', 'nojs')),
	gpc             smallint NOT NULL CHECK (gpc IN (0, 1)),
	kind            text NOT NULL CHECK (kind IN ('accept_all', 'reject_all', 'custom')),
	lang            text NOT NULL
);

-- The console counts and exports choices by time.
CREATE INDEX consent_records_given_at ON consent_records (given_at);

CREATE FUNCTION consent_records_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'consent_records is append-only: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER consent_records_no_change BEFORE UPDATE OR DELETE ON consent_records
FOR EACH ROW EXECUTE FUNCTION consent_records_refuse_change();

CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records
FOR EACH STATEMENT EXECUTE FUNCTION consent_records_refuse_change();
