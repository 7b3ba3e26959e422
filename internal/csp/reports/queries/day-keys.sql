-- The keys that have a row on a day, to place new keys within its caps.
SELECT host, directive, path FROM csp_reports WHERE day = $1
