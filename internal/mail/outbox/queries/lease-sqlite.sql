SELECT id, attempts, created, kek_id, sealed_key, content
FROM mail_outbox
WHERE state = 'pending' AND next_attempt <= $1 AND (lease_until IS NULL OR lease_until <= $1)
ORDER BY next_attempt
LIMIT $2
