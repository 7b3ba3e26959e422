-- The condition of the collect queries for a span shorter than a day:
-- the visitor was active in [@from, @to) (Unix microseconds, within the
-- seconds [@from_second, @to_second]). Other visitors of those days add
-- nothing to the span's figures.
visitor IN (
	SELECT visitor FROM analytics_events
	WHERE site = @site AND time >= toDateTime(@from_second) AND time <= toDateTime(@to_second)
		AND time_us >= @from AND time_us < @to
)
