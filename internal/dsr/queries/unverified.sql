-- Requests whose link expired before anyone followed it.
SELECT id, vault_id
FROM dsr_requests
WHERE status = 'pending_verification' AND token_expires_at <= $1
ORDER BY created_at, id
