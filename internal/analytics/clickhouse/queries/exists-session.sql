-- Whether @table still has the visit id column of the events tables
-- created before visits were derived from the events. ClickHouse 18.16
-- has no DROP COLUMN IF EXISTS.
SELECT count() FROM system.columns
WHERE database = currentDatabase() AND table = @table AND name = 'session'
