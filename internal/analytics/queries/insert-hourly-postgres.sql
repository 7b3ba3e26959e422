-- Inserts hourly rollup rows given as one JSON array of arrays, one inner
-- array per row with its columns in the order listed.
INSERT INTO analytics_hourly (site, dim, hour, value, visitors, visits, pageviews, events, bounces, duration_ms)
SELECT r ->> 0, r ->> 1, (r ->> 2)::timestamptz, r ->> 3, (r ->> 4)::bigint,
       (r ->> 5)::bigint, (r ->> 6)::bigint, (r ->> 7)::bigint, (r ->> 8)::bigint, (r ->> 9)::bigint
FROM jsonb_array_elements($1::jsonb) AS r
