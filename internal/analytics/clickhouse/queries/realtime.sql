-- Visitor ids seen in (@from, @to], times in Unix microseconds.
SELECT uniqExact(visitor)
FROM analytics_events
WHERE site = @site AND time >= toDateTime(@from_second) AND time_us > @from AND time_us <= @to
