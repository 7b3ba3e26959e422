INSERT INTO contact_challenges (id, expires_at) VALUES ($1, $2)
