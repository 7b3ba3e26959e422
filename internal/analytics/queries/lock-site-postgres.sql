-- Reads a site's marks inside a rollup transaction and locks the row, so
-- that batches of the site's events wait until the rollup commits.
SELECT rolled_until, raw_from FROM analytics_sites WHERE site = $1 FOR UPDATE
