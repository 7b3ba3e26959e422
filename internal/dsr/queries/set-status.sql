-- Moves an open request on; requests not yet verified, or already closed,
-- are left as they are.
UPDATE dsr_requests
SET status = $2, note = $3, updated_at = $4
WHERE id = $1 AND status IN ('verified', 'in_progress')
