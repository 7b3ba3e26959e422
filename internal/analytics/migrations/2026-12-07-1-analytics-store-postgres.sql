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
-- the same bits as a signed bigint. props is a JSON object kept as text.
-- Raw events carry no CHECK constraints: they are written in large batches
-- by code that formats every column itself, and checks would slow the
-- busiest insert in Noren.
CREATE TABLE IF NOT EXISTS analytics_events (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	site            text NOT NULL,
	time            timestamptz NOT NULL,
	name            text NOT NULL,
	visitor         bigint NOT NULL,
	session         bigint NOT NULL,
	path            text NOT NULL,
	hostname        text NOT NULL,
	referrer        text NOT NULL,
	source          text NOT NULL,
	medium          text NOT NULL,
	campaign        text NOT NULL,
	browser         text NOT NULL,
	browser_version text NOT NULL,
	os              text NOT NULL,
	device          text NOT NULL,
	screen          text NOT NULL,
	language        text NOT NULL,
	country         text NOT NULL,
	network         text NOT NULL,
	props           text NOT NULL,
	search          text NOT NULL,
	results         integer NOT NULL,
	link            text NOT NULL
);

-- Rollups and the realtime count read events by time.
CREATE INDEX IF NOT EXISTS analytics_events_site_time ON analytics_events (site, time);

-- One row per site that has events. The hourly rollups count everything
-- before rolled_until (the hour holding it has rows for its beginning
-- only); raw events before raw_from (always the start of a UTC day) have
-- been deleted by retention.
CREATE TABLE IF NOT EXISTS analytics_sites (
	site         text PRIMARY KEY,
	rolled_until timestamptz NOT NULL,
	raw_from     timestamptz NOT NULL
);

-- Rollups: for each UTC hour (or day), dimension and value, the counts of
-- the events matching that value. dim '' with value '' holds the totals.
-- visitors and visits count each visitor id and visit once, in the hour of
-- its first matching event of the UTC day, so that counts of consecutive
-- hours and days add up. duration_ms sums, over the visits counted here,
-- the time from a visit's first event to its last.
CREATE TABLE IF NOT EXISTS analytics_hourly (
	site        text NOT NULL,
	dim         text NOT NULL,
	hour        timestamptz NOT NULL,
	value       text NOT NULL,
	visitors    bigint NOT NULL,
	visits      bigint NOT NULL,
	pageviews   bigint NOT NULL,
	events      bigint NOT NULL,
	bounces     bigint NOT NULL,
	duration_ms bigint NOT NULL,
	PRIMARY KEY (site, dim, hour, value)
);

-- Totals and series read one value of a dimension across many hours.
CREATE INDEX IF NOT EXISTS analytics_hourly_value ON analytics_hourly (site, dim, value, hour);

-- The sums of a whole UTC day's hourly rows, written once the day is over.
CREATE TABLE IF NOT EXISTS analytics_daily (
	site        text NOT NULL,
	dim         text NOT NULL,
	day         timestamptz NOT NULL,
	value       text NOT NULL,
	visitors    bigint NOT NULL,
	visits      bigint NOT NULL,
	pageviews   bigint NOT NULL,
	events      bigint NOT NULL,
	bounces     bigint NOT NULL,
	duration_ms bigint NOT NULL,
	PRIMARY KEY (site, dim, day, value)
);

CREATE INDEX IF NOT EXISTS analytics_daily_value ON analytics_daily (site, dim, value, day);
