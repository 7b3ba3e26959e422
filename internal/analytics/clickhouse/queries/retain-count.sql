-- The events before @before, a UTC midnight in Unix seconds.
SELECT count() FROM analytics_events WHERE time < toDateTime(@before)
