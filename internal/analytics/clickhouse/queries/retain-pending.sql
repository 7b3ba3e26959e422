-- The mutations of the events table not yet done.
SELECT count() FROM system.mutations
WHERE database = currentDatabase() AND table = 'analytics_events' AND is_done = 0
