-- The events table, one row per stored event. time holds the event's
-- second, for partitions and the primary key, and time_us its exact
-- instant in Unix microseconds. ClickHouse 18.16 has no DateTime64. The
-- store names this and the other tables /*local*/ with the suffix _local
-- on a cluster: each shard's table, under a Distributed table of the name
-- the queries use (create-distributed.sql).
CREATE TABLE IF NOT EXISTS analytics_events/*local*/ (
	site String,
	time DateTime('UTC'),
	time_us Int64,
	name String,
	visitor UInt64,
	path String,
	hostname String,
	referrer String,
	source String,
	medium String,
	campaign String,
	browser String,
	browser_version String,
	os String,
	device String,
	screen String,
	language String,
	country String,
	network String,
	props Nested(key String, value String),
	search String,
	results Int32,
	link String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (site, time)
