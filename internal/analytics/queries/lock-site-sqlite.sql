-- Reads a site's marks inside a rollup transaction; on SQLite that
-- transaction already holds the database's write lock.
SELECT rolled_until, raw_from FROM analytics_sites WHERE site = $1
