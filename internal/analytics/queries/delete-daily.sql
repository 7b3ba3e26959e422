-- Removes a site's daily rollup rows in [$2, $3) before they are written anew.
DELETE FROM analytics_daily WHERE site = $1 AND day >= $2 AND day < $3
