-- Marks the rollups from $2 on as out of date, after events that old
-- arrived late.
UPDATE analytics_sites SET rolled_until = $2 WHERE site = $1 AND rolled_until > $2
