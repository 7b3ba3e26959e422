-- For each UTC day of @site in [@day_from, @day_to) (dates) that
-- holds events or rollups: the events it holds, and the version of its
-- latest rollup with the events that rollup counted (0 and 0 when there
-- is none).
SELECT day, stored, latest, rolled
FROM (
	SELECT day, sum(events) AS stored
	FROM analytics_event_days
	WHERE site = @site AND day >= toDate(@day_from) AND day < toDate(@day_to)
	GROUP BY day
) ANY LEFT JOIN (
	SELECT day, max(version) AS latest, argMax(events, version) AS rolled
	FROM analytics_rollup_days
	WHERE site = @site AND day >= toDate(@day_from) AND day < toDate(@day_to)
	GROUP BY day
) USING day
