-- The scans of the site itself, scheduled or started from the console: one
-- row a run, finished or failed. started_by is what started it; status is
-- 'ok' for a scan that produced a report and 'failed' for one that did not,
-- error then saying why. pages, violations and warnings are the report's
-- counts, clean whether it found no violation in every state reached
-- (the cookie policy's "last verified" rests on it), and manifest_hash the
-- manifest it was judged against. report is the JSON report, bounded by
-- the application ('' for a failed run); it holds URLs of the site's pages
-- and of third-party requests, never a visitor's data. Only the last runs
-- are kept.
CREATE TABLE scan_runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	started       TIMESTAMP NOT NULL
	              CHECK (started GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
	finished      TIMESTAMP NOT NULL
	              CHECK (finished GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
	url           TEXT NOT NULL,
	started_by    TEXT NOT NULL CHECK (started_by IN ('schedule', 'console')),
	status        TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
	error         TEXT NOT NULL DEFAULT '',
	pages         INTEGER NOT NULL CHECK (pages >= 0),
	violations    INTEGER NOT NULL CHECK (violations >= 0),
	warnings      INTEGER NOT NULL CHECK (warnings >= 0),
	clean         INTEGER NOT NULL CHECK (clean IN (0, 1)),
	manifest_hash TEXT NOT NULL,
	report        TEXT NOT NULL CHECK (report = '' OR json_valid(report))
);

-- The history lists runs newest first; "last verified" reads the latest
-- run that finished.
CREATE INDEX scan_runs_started ON scan_runs (started);
