-- Deletes the counters whose windows have all ended by $1 (microseconds).
DELETE FROM ratelimit_counts WHERE expires <= $1
