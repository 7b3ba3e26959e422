-- The highest sequence number stored, which bounds Verify's search for
-- where a misplaced entry belongs.
SELECT coalesce(max(seq), 0) FROM audit_log
