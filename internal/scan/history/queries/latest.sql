-- The latest run that produced a report, without it.
SELECT id, started, finished, url, started_by, status, error, pages, violations, warnings, clean, manifest_hash
FROM scan_runs
WHERE status = 'ok'
ORDER BY id DESC
LIMIT 1
