-- A submission's notes, oldest first.
SELECT id, author, created_at, vault_id
FROM contact_notes
WHERE submission_id = $1
ORDER BY created_at, id
