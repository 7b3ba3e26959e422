-- One submission with its vault record's id and whether it is shredded.
SELECT s.id, s.form, s.reference, s.created_at, s.expires_at, s.status,
	coalesce(s.assigned_to, 0), s.lang, s.policy_version, v.shredded_at IS NOT NULL, s.vault_id
FROM contact_submissions s
JOIN vault_records v ON v.id = s.vault_id
WHERE s.id = $1
