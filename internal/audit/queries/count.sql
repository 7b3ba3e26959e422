-- The number of entries, for Count, which adds the filter's WHERE clause.
SELECT count(*) FROM audit_log
