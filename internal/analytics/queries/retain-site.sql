-- Records that a site's raw events before $2 are gone.
UPDATE analytics_sites SET raw_from = $2 WHERE site = $1 AND raw_from < $2
