-- A site's rollup and retention marks.
SELECT rolled_until, raw_from FROM analytics_sites WHERE site = $1
