-- Counts the events stored before the per-day counts existed. An insert
-- running at the same time may be counted twice, which only keeps its day
-- on raw events: a count never falls short.
INSERT INTO analytics_event_days (site, day, events)
SELECT site, toDate(time) AS day, count() AS events
FROM analytics_events
GROUP BY site, day
