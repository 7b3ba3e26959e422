-- Deletes every run but the newest $1.
DELETE FROM scan_runs
WHERE id < (SELECT min(id) FROM (SELECT id FROM scan_runs ORDER BY id DESC LIMIT $1) AS kept)
