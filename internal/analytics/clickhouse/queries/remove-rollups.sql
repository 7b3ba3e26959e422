-- Deletes the rows of the rollup versions the store fills in from the
-- server's own table; on a cluster the store runs it on every shard.
ALTER TABLE analytics_rollups/*local*/ DELETE WHERE version IN (/*versions*/)
