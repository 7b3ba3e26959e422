-- The UTC days before the date @before, of every site, whose events
-- differ in number from those their latest rollup counted, or that have
-- no rollup.
SELECT site, day
FROM (
	SELECT site, day, sum(events) AS stored
	FROM analytics_event_days
	WHERE day < toDate(@before)
	GROUP BY site, day
) ANY LEFT JOIN (
	SELECT site, day, argMax(events, version) AS rolled, toUInt8(1) AS has_rollup
	FROM analytics_rollup_days
	GROUP BY site, day
) USING site, day
WHERE has_rollup = 0 OR rolled != stored
ORDER BY site, day
