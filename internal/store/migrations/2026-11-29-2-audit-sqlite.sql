-- The audit trail of the administration console: one row per audited
-- action, append-only and hash-chained.
--
-- seq numbers the entries 1, 2, 3 … without gaps; the application assigns it
-- (it is not AUTOINCREMENT) so that a deleted row shows as a gap. hash is the
-- SHA-256 of the entry's canonical form, which includes prev_hash, the hash
-- of the entry before; package audit documents the form. detail is a JSON
-- object of strings kept as the exact canonical text that was hashed. Times
-- are UTC text of fixed width declared TIMESTAMP, as in every table.
--
-- The triggers refuse every UPDATE and DELETE, so the trail can only grow
-- through the application. Someone with full rights over the file can still
-- drop them; the hash chain is what makes such a change detectable.
CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY CHECK (seq > 0),
	at        TIMESTAMP NOT NULL
	          CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
	actor     TEXT NOT NULL CHECK (actor <> ''),
	role      TEXT NOT NULL,
	action    TEXT NOT NULL CHECK (action <> ''),
	object    TEXT NOT NULL,
	purpose   TEXT NOT NULL,
	outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
	address   TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*'),
	hash      TEXT NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*')
);

-- The console filters by time, actor and action, newest first; the rowid
-- (seq) that every SQLite index carries keeps each one in trail order.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_action ON audit_log (action);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
