-- Failed sign-ins and the locks they cause, per account and client network,
-- so that failures from one network lock that network out of the account
-- and nobody else: an attacker cannot lock the real person out from
-- elsewhere. The network is the masked one the audit trail records with
-- every failed sign-in (an IPv4 /24, an IPv6 /48), never the address.
-- failures counts the wrong passwords or codes in a row, each within the
-- lockout duration of the one before; locked_until ends a lock. Rows go
-- once their last failure and their lock are over.
CREATE TABLE admin_login_failures (
	user_id      bigint NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
	network      text NOT NULL,
	failures     bigint NOT NULL DEFAULT 0,
	last_failure timestamptz NOT NULL,
	locked_until timestamptz,
	PRIMARY KEY (user_id, network)
);

CREATE INDEX admin_login_failures_last ON admin_login_failures (last_failure);
