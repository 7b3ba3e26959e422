-- Deletes the events before @before, a UTC midnight in Unix seconds. The
-- mutation runs in the background; Retain waits for it.
ALTER TABLE analytics_events DELETE WHERE time < toDateTime(@before)
