-- The request a verification link belongs to, by the hash of the link's
-- random part.
SELECT id, reference, kind, status, lang, vault_id, token_expires_at, token_used_at
FROM dsr_requests
WHERE token_hash = $1
