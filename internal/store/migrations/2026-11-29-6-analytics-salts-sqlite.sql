-- The daily salts of cookieless analytics: one random 32-byte key per UTC
-- day, with which the collector hashes a visitor's network address and
-- user agent into the day's visitor id. Every collector instance sharing
-- the database uses the same salt, so they count a visitor once.
--
-- Only today's and yesterday's salts are kept; older ones are deleted, so
-- that nobody, the operator included, can recompute an old day's ids and
-- link a visitor's days together. day is the UTC date, YYYY-MM-DD.
CREATE TABLE analytics_salts (
	day        TEXT NOT NULL PRIMARY KEY
	           CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	salt       BLOB NOT NULL CHECK (typeof(salt) = 'blob' AND length(salt) = 32),
	created_at TIMESTAMP NOT NULL
	           CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z')
);
