-- The audit trail of the administration console: one row per audited
-- action, append-only and hash-chained.
--
-- seq numbers the entries 1, 2, 3 … without gaps; the application assigns it
-- (it is not an identity column) so that a deleted row shows as a gap. hash
-- is the SHA-256 of the entry's canonical form, which includes prev_hash, the
-- hash of the entry before; package audit documents the form. detail is a
-- JSON object of strings kept as text, not jsonb, because the exact
-- canonical text that was hashed must come back unchanged.
--
-- The triggers refuse every UPDATE, DELETE and TRUNCATE, so the trail can
-- only grow through the application. The table's owner can still disable or
-- drop them; the hash chain is what makes such a change detectable.
CREATE TABLE audit_log (
	seq       bigint PRIMARY KEY CHECK (seq > 0),
	at        timestamptz NOT NULL,
	actor     text NOT NULL CHECK (actor <> ''),
	role      text NOT NULL,
	action    text NOT NULL CHECK (action <> ''),
	object    text NOT NULL,
	purpose   text NOT NULL,
	outcome   text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
	address   text NOT NULL,
	detail    text NOT NULL,
	prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
	hash      text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- The console filters by time, actor and action, newest first.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
