-- Removes a site's hourly rollup rows in [$2, $3) before they are written anew.
DELETE FROM analytics_hourly WHERE site = $1 AND hour >= $2 AND hour < $3
