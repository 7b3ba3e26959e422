INSERT INTO contact_submission_parts (submission_id, vault_id, expires_at, fields)
VALUES ($1, $2, $3, $4)
