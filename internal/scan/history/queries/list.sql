-- Up to $2 runs with an id below $1, newest first, without their reports.
SELECT id, started, finished, url, started_by, status, error, pages, violations, warnings, clean, manifest_hash
FROM scan_runs
WHERE id < $1
ORDER BY id DESC
LIMIT $2
