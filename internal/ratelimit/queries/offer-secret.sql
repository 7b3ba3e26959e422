-- Stores $2 as the secret of day $1 unless an instance stored one first.
INSERT INTO ratelimit_secrets (day, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING
