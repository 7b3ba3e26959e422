-- Outgoing e-mail waiting to be sent, written in the transaction of what
-- it announces and sent by a worker on any instance. content holds the
-- message (recipients, subject, text), sealed under a data key that
-- sealed_key holds wrapped by the vault's KEK kek_id; without vault keys
-- content is the message in the clear and kek_id and sealed_key are NULL.
-- The three are set to NULL once the message is sent or discarded; the row
-- stays, without personal data, for the console and the metrics.
--
-- state is pending, sent, dead (a dead letter: not retried unless the
-- owner asks) or discarded. A worker leases a due pending row by setting
-- lease_owner and lease_until; a lease that runs out (a crashed sender)
-- lets another worker take the row.
CREATE TABLE mail_outbox (
	id           text PRIMARY KEY,
	state        text NOT NULL,
	created      timestamptz NOT NULL,
	next_attempt timestamptz NOT NULL,
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	lease_owner  text NOT NULL DEFAULT '',
	lease_until  timestamptz,
	finished     timestamptz,
	kek_id       text,
	sealed_key   bytea,
	content      bytea
);

CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt);
