-- One request, without anything personal.
SELECT id, reference, kind, status, lang, created_at, updated_at, verified_at, deadline, match_count, note, vault_id,
	identity_means, identity_note, identity_by, identity_at, extended_from, extension_reason, extended_by, extended_at
FROM dsr_requests
WHERE id = $1
