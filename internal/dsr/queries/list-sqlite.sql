-- Requests newest first, optionally of one status and one kind, or only
-- those past their deadline and still open ($3 is then the time now).
SELECT id, reference, kind, status, lang, created_at, updated_at, verified_at, deadline, match_count, note, vault_id,
	identity_means, identity_note, identity_by, identity_at, extended_from, extension_reason, extended_by, extended_at
FROM dsr_requests
WHERE ($1 = '' OR status = $1)
	AND ($2 = '' OR kind = $2)
	AND ($3 IS NULL OR (deadline < $3 AND status IN ('verified', 'in_progress')))
ORDER BY created_at DESC, id
LIMIT $4
