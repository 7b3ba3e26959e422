SELECT next_attempt FROM mail_outbox WHERE state = 'pending' ORDER BY next_attempt LIMIT 1
