-- How many events each UTC day of each site holds, kept up to date by
-- every insert into analytics_events. A day's rollups are used only while
-- this count equals the number of events they were computed from, so that
-- late events send the day back to raw events until it is rolled up
-- again. Retention deletes events but not these counts, so rolled days
-- stay usable after their raw events are gone.
CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_event_days/*local*/
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (site, day)
AS SELECT site, toDate(time) AS day, count() AS events
FROM analytics_events/*local*/
GROUP BY site, day
