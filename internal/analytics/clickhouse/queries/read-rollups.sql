-- The rollup rows of dimension @dim of @site that the store selects (the
-- versions of clean days, hourly rows of partial days), summed per bucket
-- and value. The store fills in the row and value conditions.
SELECT bucket, value, sum(visitors), sum(visits), sum(pageviews), sum(events), sum(bounces), sum(duration_ms)
FROM analytics_rollups
WHERE site = @site AND dim = @dim AND (/*rows*/) AND (/*value*/)
GROUP BY bucket, value
