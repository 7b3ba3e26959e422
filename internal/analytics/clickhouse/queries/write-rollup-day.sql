-- Names a complete rollup of a day.
INSERT INTO analytics_rollup_days (site, day, version, events)
