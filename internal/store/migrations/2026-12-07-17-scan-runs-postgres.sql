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
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started       timestamptz NOT NULL,
	finished      timestamptz NOT NULL,
	url           text NOT NULL,
	started_by    text NOT NULL CHECK (started_by IN ('schedule', 'console')),
	status        text NOT NULL CHECK (status IN ('ok', 'failed')),
	error         text NOT NULL DEFAULT '',
	pages         bigint NOT NULL CHECK (pages >= 0),
	violations    bigint NOT NULL CHECK (violations >= 0),
	warnings      bigint NOT NULL CHECK (warnings >= 0),
	clean         smallint NOT NULL CHECK (clean IN (0, 1)),
	manifest_hash text NOT NULL,
	report        text NOT NULL
);

-- The history lists runs newest first; "last verified" reads the latest
-- run that finished.
CREATE INDEX scan_runs_started ON scan_runs (started);
