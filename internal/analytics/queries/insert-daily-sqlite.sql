-- Inserts daily rollup rows given as one JSON array of arrays, one inner
-- array per row with its columns in the order listed.
INSERT INTO analytics_daily (site, dim, day, value, visitors, visits, pageviews, events, bounces, duration_ms)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4,
       value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9
FROM jsonb_each($1)
