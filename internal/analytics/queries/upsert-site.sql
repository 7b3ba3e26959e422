-- Registers a site on its first events and returns its rollup and retention
-- marks. The no-op update makes PostgreSQL lock the row until the batch
-- commits, so that a rollup of the site waits for the batch.
INSERT INTO analytics_sites (site, rolled_until, raw_from) VALUES ($1, $2, $2)
ON CONFLICT (site) DO UPDATE SET site = excluded.site
RETURNING rolled_until, raw_from
