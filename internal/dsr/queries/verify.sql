-- Marks a request verified and its link used, once: a link already used,
-- expired, or a request no longer waiting changes nothing.
UPDATE dsr_requests
SET status = 'verified', verified_at = $2, deadline = $3, token_used_at = $2, updated_at = $2, match_count = $4
WHERE id = $1 AND status = 'pending_verification' AND token_used_at IS NULL AND token_expires_at > $2
