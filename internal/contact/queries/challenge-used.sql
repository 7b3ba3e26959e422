SELECT count(*) FROM contact_challenges WHERE id = $1
