INSERT INTO contact_notes (id, submission_id, author, created_at, vault_id)
VALUES ($1, $2, $3, $4, $5)
