-- The index on (site, visitor, time) made every batch of events dirty one
-- page per event, as visitor ids are random: it cost more than half of the
-- time spent storing events. The rollups find a visitor's events among
-- the day's events by time instead.
DROP INDEX IF EXISTS analytics_events_site_visitor;
