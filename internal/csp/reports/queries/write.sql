-- Adds a flush's count to a day's row, creating it. Flushes are written
-- one after another, so the later last_seen is always the new one.
INSERT INTO csp_reports (day, host, directive, path, count, first_seen, last_seen)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (day, host, directive, path) DO UPDATE
SET count = csp_reports.count + excluded.count, last_seen = excluded.last_seen
