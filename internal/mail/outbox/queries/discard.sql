UPDATE mail_outbox
SET state = 'discarded', finished = $2, kek_id = NULL, sealed_key = NULL, content = NULL
WHERE id = $1 AND state = 'dead'
