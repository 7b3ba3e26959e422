-- Every action the trail holds, for the console's filter.
SELECT DISTINCT action FROM audit_log ORDER BY action
