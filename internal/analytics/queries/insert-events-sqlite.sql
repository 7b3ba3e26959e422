-- Inserts a batch of events given as one JSON array of arrays, one inner
-- array per event with its columns in the order listed, so that a batch of
-- any size is one statement with one argument.
INSERT INTO analytics_events (site, time, name, visitor, path, hostname, referrer, source, medium, campaign, browser, browser_version, os, device, screen, language, country, network, props, search, results, link)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
       value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11,
       value ->> 12, value ->> 13, value ->> 14, value ->> 15, value ->> 16, value ->> 17,
       value ->> 18, value ->> 19, value ->> 20, value ->> 21
FROM jsonb_each($1)
