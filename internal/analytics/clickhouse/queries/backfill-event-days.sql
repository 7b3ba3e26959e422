-- Counts the events stored before the per-day counts existed. An insert
-- running at the same time may be counted twice, which only keeps its day
-- on raw events: a count never falls short. On a cluster each shard counts
-- its own events.
INSERT INTO analytics_event_days/*local*/ (site, day, events)
SELECT site, toDate(time) AS day, count() AS events
FROM analytics_events/*local*/
GROUP BY site, day
