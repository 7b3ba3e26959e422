UPDATE mail_outbox
SET state = 'pending', next_attempt = $2, attempts = 0, finished = NULL
WHERE id = $1 AND state = 'dead'
