-- One run with its report.
SELECT id, started, finished, url, started_by, status, error, pages, violations, warnings, clean, manifest_hash, report
FROM scan_runs
WHERE id = $1
