-- Visits are derived from the stored events (a visitor id's events of one
-- UTC day, split wherever more than 30 minutes pass between two), so the
-- session id that the collector drew in its own memory is no longer
-- stored: it made a visit spread over two instances count twice.
--
-- These are the events an earlier version kept in Noren's own database,
-- which the analytics database takes over (or shares, in memory or on
-- PostgreSQL): its migrations drop the column too. The table is rebuilt
-- rather than altered with DROP COLUMN, which fails where the column is
-- already gone.
CREATE TABLE analytics_events_rebuilt (
	id              INTEGER PRIMARY KEY,
	site            TEXT NOT NULL,
	time            TIMESTAMP NOT NULL,
	name            TEXT NOT NULL,
	visitor         INTEGER NOT NULL,
	path            TEXT NOT NULL,
	hostname        TEXT NOT NULL,
	referrer        TEXT NOT NULL,
	source          TEXT NOT NULL,
	medium          TEXT NOT NULL,
	campaign        TEXT NOT NULL,
	browser         TEXT NOT NULL,
	browser_version TEXT NOT NULL,
	os              TEXT NOT NULL,
	device          TEXT NOT NULL,
	screen          TEXT NOT NULL,
	language        TEXT NOT NULL,
	country         TEXT NOT NULL,
	network         TEXT NOT NULL,
	props           TEXT NOT NULL,
	search          TEXT NOT NULL,
	results         INTEGER NOT NULL,
	link            TEXT NOT NULL
);

INSERT INTO analytics_events_rebuilt (id, site, time, name, visitor, path, hostname, referrer, source, medium, campaign,
	browser, browser_version, os, device, screen, language, country, network, props, search, results, link)
SELECT id, site, time, name, visitor, path, hostname, referrer, source, medium, campaign,
	browser, browser_version, os, device, screen, language, country, network, props, search, results, link
FROM analytics_events;

DROP TABLE analytics_events;

ALTER TABLE analytics_events_rebuilt RENAME TO analytics_events;

-- Rollups and the realtime count read events by time.
CREATE INDEX analytics_events_site_time ON analytics_events (site, time);
