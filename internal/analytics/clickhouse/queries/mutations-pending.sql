-- The mutations of the table @table not yet done.
SELECT count() FROM system.mutations
WHERE database = currentDatabase() AND table = @table AND is_done = 0
