-- Visits are derived from the stored events (a visitor id's events of one
-- UTC day, split wherever more than 30 minutes pass between two), so the
-- session id that the collector drew in its own memory is no longer
-- stored: it made a visit spread over two instances count twice. The
-- analytics database's migrations drop it too, where the two are one.
-- The drop only changes the catalogue; an instance of the previous
-- version still writes the column, so a fleet is upgraded all at once.
ALTER TABLE analytics_events DROP COLUMN IF EXISTS session;
