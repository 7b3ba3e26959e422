-- Every site with events, with its rollup and retention marks.
SELECT site, rolled_until, raw_from FROM analytics_sites ORDER BY site
