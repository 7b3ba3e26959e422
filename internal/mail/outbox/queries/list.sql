SELECT id, state, created, next_attempt, attempts, last_error, lease_until, finished
FROM mail_outbox
WHERE state = $1
ORDER BY next_attempt, id
LIMIT $2
