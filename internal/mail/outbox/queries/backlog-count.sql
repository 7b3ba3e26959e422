SELECT count(*) FROM mail_outbox WHERE state = 'pending'
