-- A submission's parts with the ids of their fields and whether each is
-- shredded.
SELECT p.vault_id, p.expires_at, p.fields, v.shredded_at IS NOT NULL
FROM contact_submission_parts p
JOIN vault_records v ON v.id = p.vault_id
WHERE p.submission_id = $1
ORDER BY p.expires_at, p.vault_id
