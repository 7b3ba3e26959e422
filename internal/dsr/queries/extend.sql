-- Extends the deadline of an open request, once, keeping the deadline it
-- replaces.
UPDATE dsr_requests
SET extended_from = deadline, deadline = $2, extension_reason = $3, extended_by = $4, extended_at = $5, updated_at = $5
WHERE id = $1 AND status IN ('verified', 'in_progress') AND extended_from IS NULL
