-- Inserts a batch of events given as one JSON array of arrays, one inner
-- array per event with its columns in the order listed, so that a batch of
-- any size is one statement with one argument.
INSERT INTO analytics_events (site, time, name, visitor, path, hostname, referrer, source, medium, campaign, browser, browser_version, os, device, screen, language, country, network, props, search, results, link)
SELECT e ->> 0, (e ->> 1)::timestamptz, e ->> 2, (e ->> 3)::bigint, e ->> 4, e ->> 5,
       e ->> 6, e ->> 7, e ->> 8, e ->> 9, e ->> 10, e ->> 11,
       e ->> 12, e ->> 13, e ->> 14, e ->> 15, e ->> 16, e ->> 17,
       e ->> 18, e ->> 19, (e ->> 20)::integer, e ->> 21
FROM jsonb_array_elements($1::jsonb) AS e
