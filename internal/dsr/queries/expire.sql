-- Marks a request whose link expired unused.
UPDATE dsr_requests
SET status = 'expired', updated_at = $2
WHERE id = $1 AND status = 'pending_verification'
