-- One row per rollup of a UTC day: its version and the number of events
-- it was computed from. Written after the day's rows in analytics_rollups,
-- so that the version it names is complete.
CREATE TABLE IF NOT EXISTS analytics_rollup_days/*local*/ (
	site String,
	day Date,
	version UInt64,
	events UInt64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, day, version)
