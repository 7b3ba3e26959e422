-- Records that the rollups are current up to $2.
UPDATE analytics_sites SET rolled_until = $2 WHERE site = $1
