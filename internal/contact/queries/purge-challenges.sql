DELETE FROM contact_challenges WHERE expires_at < $1
