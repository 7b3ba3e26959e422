-- The secret of day $1.
SELECT secret FROM ratelimit_secrets WHERE day = $1
