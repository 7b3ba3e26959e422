-- One request, without anything personal.
SELECT id, reference, kind, status, lang, created_at, updated_at, verified_at, deadline, match_count, note, vault_id
FROM dsr_requests
WHERE id = $1
