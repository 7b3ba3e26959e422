-- The counter of key $2 under scope $1, as last stored.
SELECT started, current, previous FROM ratelimit_counts WHERE scope = $1 AND key = $2
