UPDATE mail_outbox
SET state = 'sent', finished = $3, last_error = '', lease_owner = '', lease_until = NULL,
	kek_id = NULL, sealed_key = NULL, content = NULL
WHERE id = $1 AND lease_owner = $2 AND state = 'pending'
