-- Drops the visit id column from the table the store fills in.
ALTER TABLE /*table*/ DROP COLUMN session
