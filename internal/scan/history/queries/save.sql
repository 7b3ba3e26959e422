-- Records one run and returns its id.
INSERT INTO scan_runs
	(started, finished, url, started_by, status, error, pages, violations, warnings, clean, manifest_hash, report)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id
