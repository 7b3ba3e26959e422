-- The figures of one dimension's values for the events of @site matching
-- a filter. It reads the whole UTC days [@day_from, @day_to) (Unix
-- seconds), since visitors and visits belong to a UTC day, and counts
-- what falls in [@from, @to) (Unix microseconds) in slots of @grain
-- microseconds, each returned as its number (instant / @grain). Visits
-- are derived from each visitor day's events: a visit ends where more
-- than @gap microseconds pass before the visitor's next event. The store
-- fills in the comments that name the dimension's value, the condition
-- for an event to have one, the filter's condition, the event columns
-- those read and the visit values computed from them, so that a visit
-- carries only the columns a query needs, and, for a span shorter than a
-- day, the condition that keeps only the visitors active in it
-- (span-visitors.sql), whose events of those days are the only ones that
-- can count.
SELECT value, c.1 AS slot,
	sum(c.2) AS visitors, sum(c.3) AS visits, sum(c.4) AS pageviews, sum(c.5) AS events,
	sum(c.6) AS bounces, sum(c.7) AS duration_ms
FROM (
	-- One row per visitor day and value: a visitor counts at its first
	-- matching event, a visit at its own.
	SELECT value,
		min(first_us) AS visitor_first,
		groupArrayIf((intDiv(first_us, @grain), bounce, duration_ms), first_us >= @from AND first_us < @to) AS counted_visits,
		groupArrayArray(event_slots) AS all_event_slots,
		groupArrayArray(pageview_slots) AS all_pageview_slots
	FROM (
		-- One row per visit and value.
		SELECT day, visitor, /*value*/ AS value,
			min(time_us) AS first_us,
			toInt64(any(visit_pageviews) = 1) AS bounce,
			intDiv(any(visit_last) - any(visit_first), 1000) AS duration_ms,
			groupArrayIf(intDiv(time_us, @grain), time_us >= @from AND time_us < @to) AS event_slots,
			groupArrayIf(intDiv(time_us, @grain), time_us >= @from AND time_us < @to AND name = 'pageview') AS pageview_slots
		FROM (
			-- One row per visit, with the columns of all its events.
			SELECT day, visitor, visit,
				min(time_us) AS visit_first,
				max(time_us) AS visit_last,
				countIf(name = 'pageview') AS visit_pageviews,
				groupArray(time_us) AS e_time_us,
				groupArray(name) AS e_name
				/*visit_columns*/
			FROM (
				-- One row per event, numbered with its visit: the number
				-- of visits of its visitor day begun at or before it.
				SELECT day, visitor, arrayCount(s -> s <= time_us, visit_starts) AS visit, time_us, name /*event_columns*/
				FROM (
					-- One row per visitor day, with its events' columns
					-- and the instants its visits begin: its first event,
					-- and each one more than @gap after the one before.
					SELECT day, visitor,
						groupArray(time_us) AS d_time_us,
						groupArray(name) AS d_name
						/*day_columns*/,
						arraySort(d_time_us) AS sorted,
						arrayFilter((t, d, i) -> i = 1 OR d > @gap, sorted, arrayDifference(sorted), arrayEnumerate(sorted)) AS visit_starts
					FROM analytics_events
					WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to) AND (/*visitors*/)
					GROUP BY intDiv(time_us, 86400000000) AS day, visitor
				)
				ARRAY JOIN d_time_us AS time_us, d_name AS name /*day_array_join*/
			)
			GROUP BY day, visitor, visit
		)
		ARRAY JOIN e_time_us AS time_us, e_name AS name /*array_join*/
		WHERE (/*matches*/) AND (/*has_value*/)
		GROUP BY day, visitor, visit, value
	)
	GROUP BY day, visitor, value
)
ARRAY JOIN arrayConcat(
	arrayFilter(x -> visitor_first >= @from AND visitor_first < @to,
		[(intDiv(visitor_first, @grain), toInt64(1), toInt64(0), toInt64(0), toInt64(0), toInt64(0), toInt64(0))]),
	arrayMap(v -> (v.1, toInt64(0), toInt64(1), toInt64(0), toInt64(0), v.2, v.3), counted_visits),
	arrayMap(s -> (s, toInt64(0), toInt64(0), toInt64(1), toInt64(0), toInt64(0), toInt64(0)), all_pageview_slots),
	arrayMap(s -> (s, toInt64(0), toInt64(0), toInt64(0), toInt64(1), toInt64(0), toInt64(0)), all_event_slots)
) AS c
GROUP BY value, slot
