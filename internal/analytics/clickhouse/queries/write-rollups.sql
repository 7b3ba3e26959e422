-- Every column named, in the order rollupDay appends them.
INSERT INTO analytics_rollups (site, day, version, hourly, dim, bucket, value, visitors, visits, pageviews, events,
	bounces, duration_ms)
