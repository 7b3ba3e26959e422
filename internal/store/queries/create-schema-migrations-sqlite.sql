-- applied_at is declared TIMESTAMP so it scans into time.Time.
CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT NOT NULL PRIMARY KEY,
	applied_at TIMESTAMP NOT NULL
);
