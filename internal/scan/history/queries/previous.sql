-- The latest run before $1 that produced a report, without it: what a
-- run's findings are compared with by default.
SELECT id, started, finished, url, started_by, status, error, pages, violations, warnings, clean, manifest_hash
FROM scan_runs
WHERE status = 'ok' AND id < $1
ORDER BY id DESC
LIMIT 1
