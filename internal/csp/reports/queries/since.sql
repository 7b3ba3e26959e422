-- Every key counted on the days from $1 (YYYY-MM-DD) on, summed over
-- those days.
SELECT host, directive, path, sum(count), min(first_seen), max(last_seen)
FROM csp_reports
WHERE day >= $1
GROUP BY host, directive, path
