-- The engines of the tables of the names @names in the current database.
SELECT name, engine FROM system.tables
WHERE database = currentDatabase() AND has(@names, name)
