-- The rollup versions written before @settled (Unix nanoseconds, as
-- versions are) other than the latest of its day recorded before then:
-- versions replaced by a newer rollup of their day, and versions whose
-- rollup never recorded them. Versions are unique, so the version alone
-- names a rollup's rows.
SELECT version
FROM (
	SELECT DISTINCT site, day, version FROM analytics_rollups WHERE version < @settled
) ANY LEFT JOIN (
	SELECT site, day, max(version) AS kept
	FROM analytics_rollup_days
	WHERE version < @settled
	GROUP BY site, day
) USING site, day
WHERE version != kept
