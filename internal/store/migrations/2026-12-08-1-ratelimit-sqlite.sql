-- The rate limits shared by every instance on this database: the sign-in
-- throttle of the console, the limits of the request form and of the
-- contact forms.
--
-- ratelimit_counts holds a sliding-window counter per limit (scope) and
-- key. The key is an HMAC-SHA256, under the secret of a UTC day, of what is
-- limited (a network such as 203.0.113.0/24, or an e-mail address), never
-- the thing itself. Times are microseconds since 1970 UTC, so that one
-- upsert can move a counter on by whole windows with integer arithmetic on
-- both databases: started is when the current window began, current and
-- previous count the events of that window and the one before, and the row
-- means nothing once expires (two windows after started) has passed, when
-- the sweep deletes it.
CREATE TABLE ratelimit_counts (
	scope    TEXT NOT NULL,
	key      BLOB NOT NULL CHECK (typeof(key) = 'blob' AND length(key) = 32),
	started  INTEGER NOT NULL,
	current  INTEGER NOT NULL CHECK (current > 0),
	previous INTEGER NOT NULL CHECK (previous >= 0),
	expires  INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
);

CREATE INDEX ratelimit_counts_expires ON ratelimit_counts (expires);

-- ratelimit_secrets holds the random HMAC secret of each UTC day (day is
-- YYYY-MM-DD), drawn by whichever instance needs it first and read by the
-- others. A day's secret is used that day and the next, then deleted, so
-- that counts cannot be linked to what they count, nor across days, once
-- it is gone.
CREATE TABLE ratelimit_secrets (
	day        TEXT NOT NULL PRIMARY KEY
	           CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	secret     BLOB NOT NULL CHECK (typeof(secret) = 'blob' AND length(secret) = 32),
	created_at TIMESTAMP NOT NULL
	           CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z')
);
