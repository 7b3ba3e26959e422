-- A page of submissions, newest first. $1 is the forms to list joined by
-- commas ('' for all; form ids hold no comma), $2 a status or ''.
SELECT s.id, s.form, s.reference, s.created_at, s.expires_at, s.status,
	coalesce(s.assigned_to, 0), s.lang, s.policy_version, v.shredded_at IS NOT NULL
FROM contact_submissions s
JOIN vault_records v ON v.id = s.vault_id
WHERE ($1 = '' OR instr(',' || $1 || ',', ',' || s.form || ',') > 0)
	AND ($2 = '' OR s.status = $2)
ORDER BY s.created_at DESC, s.id
LIMIT $3 OFFSET $4
