-- Deletes the secrets of the days before $1.
DELETE FROM ratelimit_secrets WHERE day < $1
