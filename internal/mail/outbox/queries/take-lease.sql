UPDATE mail_outbox SET lease_owner = $2, lease_until = $3, attempts = attempts + 1 WHERE id = $1
