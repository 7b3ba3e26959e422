-- Records, once, how the requester's identity was verified on an open
-- request.
UPDATE dsr_requests
SET identity_means = $2, identity_note = $3, identity_by = $4, identity_at = $5, updated_at = $5
WHERE id = $1 AND status IN ('verified', 'in_progress') AND identity_at IS NULL
