-- The figures of complete UTC days, for every dimension and value, per
-- hour (hourly = 1, bucket the hour) and per day (hourly = 0, bucket the
-- day's midnight). Rolling a day up again writes it under a new version;
-- queries read the version analytics_rollup_days names.
CREATE TABLE IF NOT EXISTS analytics_rollups/*local*/ (
	site String,
	day Date,
	version UInt64,
	hourly UInt8,
	dim UInt8,
	bucket DateTime('UTC'),
	value String,
	visitors Int64,
	visits Int64,
	pageviews Int64,
	events Int64,
	bounces Int64,
	duration_ms Int64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, dim, hourly, day, version, bucket, value)
