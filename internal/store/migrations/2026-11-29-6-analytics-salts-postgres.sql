-- The daily salts of cookieless analytics: one random 32-byte key per UTC
-- day, with which the collector hashes a visitor's network address and
-- user agent into the day's visitor id. Every collector instance sharing
-- the database uses the same salt, so they count a visitor once.
--
-- Only today's and yesterday's salts are kept; older ones are deleted, so
-- that nobody, the operator included, can recompute an old day's ids and
-- link a visitor's days together. day is the UTC date, YYYY-MM-DD.
CREATE TABLE analytics_salts (
	day        text PRIMARY KEY CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	salt       bytea NOT NULL CHECK (octet_length(salt) = 32),
	created_at timestamptz NOT NULL
);
