INSERT INTO mail_outbox (id, state, created, next_attempt, kek_id, sealed_key, content)
VALUES ($1, 'pending', $2, $2, $3, $4, $5)
