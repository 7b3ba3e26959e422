-- The analytics store: raw events, the sites' rollup marks and the hourly
-- and daily rollups. These tables live in a database of their own on
-- SQLite (noren-analytics.db beside noren.db), so that a flood of events never
-- waits on, nor holds, the write lock that consent records, contact
-- submissions and the audit trail use. On PostgreSQL they may share
-- Noren's database, where the main migrations created them already: hence
-- IF NOT EXISTS throughout.
--
-- Cookieless analytics: the raw events the collector accepts, and the
-- hourly and daily rollups the dashboard reads so that it never scans raw
-- events for long ranges.
--
-- A raw event holds no client address, no user agent and nothing else that
-- identifies a person: visitor is a keyed hash that changes every day, and
-- session is derived from it. Both are unsigned 64-bit values stored with
-- the same bits as a signed INTEGER. props is a JSON object kept as text.
-- Raw events carry no CHECK constraints: they are written in large batches
-- by code that formats every column itself, and checks would slow the
-- busiest insert in Noren.
CREATE TABLE IF NOT EXISTS analytics_events (
	id              INTEGER PRIMARY KEY,
	site            TEXT NOT NULL,
	time            TIMESTAMP NOT NULL,
	name            TEXT NOT NULL,
	visitor         INTEGER NOT NULL,
	session         INTEGER NOT NULL,
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

-- Rollups and the realtime count read events by time.
CREATE INDEX IF NOT EXISTS analytics_events_site_time ON analytics_events (site, time);

-- One row per site that has events. The hourly rollups count everything
-- before rolled_until (the hour holding it has rows for its beginning
-- only); raw events before raw_from (always the start of a UTC day) have
-- been deleted by retention.
CREATE TABLE IF NOT EXISTS analytics_sites (
	site         TEXT NOT NULL PRIMARY KEY,
	rolled_until TIMESTAMP NOT NULL,
	raw_from     TIMESTAMP NOT NULL
);

-- Rollups: for each UTC hour (or day), dimension and value, the counts of
-- the events matching that value. dim '' with value '' holds the totals.
-- visitors and visits count each visitor id and visit once, in the hour of
-- its first matching event of the UTC day, so that counts of consecutive
-- hours and days add up. duration_ms sums, over the visits counted here,
-- the time from a visit's first event to its last.
CREATE TABLE IF NOT EXISTS analytics_hourly (
	site        TEXT NOT NULL,
	dim         TEXT NOT NULL,
	hour        TIMESTAMP NOT NULL,
	value       TEXT NOT NULL,
	visitors    INTEGER NOT NULL,
	visits      INTEGER NOT NULL,
	pageviews   INTEGER NOT NULL,
	events      INTEGER NOT NULL,
	bounces     INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	PRIMARY KEY (site, dim, hour, value)
) WITHOUT ROWID;

-- Totals and series read one value of a dimension across many hours.
CREATE INDEX IF NOT EXISTS analytics_hourly_value ON analytics_hourly (site, dim, value, hour);

-- The sums of a whole UTC day's hourly rows, written once the day is over.
CREATE TABLE IF NOT EXISTS analytics_daily (
	site        TEXT NOT NULL,
	dim         TEXT NOT NULL,
	day         TIMESTAMP NOT NULL,
	value       TEXT NOT NULL,
	visitors    INTEGER NOT NULL,
	visits      INTEGER NOT NULL,
	pageviews   INTEGER NOT NULL,
	events      INTEGER NOT NULL,
	bounces     INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	PRIMARY KEY (site, dim, day, value)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS analytics_daily_value ON analytics_daily (site, dim, value, day);
