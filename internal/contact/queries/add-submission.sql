INSERT INTO contact_submissions
	(id, form, reference, created_at, vault_id, policy_version, policy_hash, lang, status, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', $9)
