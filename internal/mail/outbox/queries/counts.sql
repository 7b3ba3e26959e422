SELECT state, count(*) FROM mail_outbox GROUP BY state
