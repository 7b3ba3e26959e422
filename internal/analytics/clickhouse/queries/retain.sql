-- Deletes the events before @before, a UTC midnight in Unix seconds, from
-- the server's own table: a Distributed table takes no deletion, so on a
-- cluster the store runs it on every shard. The mutation runs in the
-- background; Retain waits for it.
ALTER TABLE analytics_events/*local*/ DELETE WHERE time < toDateTime(@before)
