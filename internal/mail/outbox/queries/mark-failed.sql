UPDATE mail_outbox
SET state = $3, next_attempt = $4, last_error = $5, finished = $6, lease_owner = '', lease_until = NULL
WHERE id = $1 AND lease_owner = $2 AND state = 'pending'
