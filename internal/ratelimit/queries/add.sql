-- Counts one event of key $2 under scope $1 at $3 and returns the key's
-- counts with it, moving the counter on as Counts.At does, in one
-- statement so that instances adding at once each count. Times are in
-- microseconds: $4 is $3 less one window, $5 less two, $6 the window and
-- $7 when a counter started at $3 expires. A row whose window began after
-- $4 is in its current window; after $5, one window on.
INSERT INTO ratelimit_counts AS c (scope, key, started, current, previous, expires)
VALUES ($1, $2, $3, 1, 0, $7)
ON CONFLICT (scope, key) DO UPDATE SET
	started  = CASE WHEN c.started > $4 THEN c.started WHEN c.started > $5 THEN c.started + $6 ELSE $3 END,
	current  = CASE WHEN c.started > $4 THEN c.current + 1 ELSE 1 END,
	previous = CASE WHEN c.started > $4 THEN c.previous WHEN c.started > $5 THEN c.current ELSE 0 END,
	expires  = CASE WHEN c.started > $4 THEN c.expires WHEN c.started > $5 THEN c.expires + $6 ELSE $7 END
RETURNING started, current, previous
