DELETE FROM mail_outbox WHERE state IN ('sent', 'dead', 'discarded') AND finished <= $1
