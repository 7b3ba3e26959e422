-- The parts of contact submissions kept for less time than the rest.
--
-- A field may declare a retention shorter than its form's. Its answer is
-- then sealed in a vault record of its own (vault_id, kind
-- "submission-part") that expires and is shredded on its own schedule,
-- while the submission's main record is kept for the form's period.
-- fields lists, comma-separated, the ids of the fields the part holds, so
-- that the console can say which answers were deleted once the part is
-- shredded and can no longer be read.
CREATE TABLE contact_submission_parts (
	submission_id text NOT NULL REFERENCES contact_submissions (id) ON DELETE CASCADE,
	vault_id      text NOT NULL UNIQUE REFERENCES vault_records (id),
	expires_at    timestamptz NOT NULL,
	fields        text NOT NULL CHECK (fields ~ '^[^,]+(,[^,]+)*$')
);

-- A submission's parts are read when it is opened.
CREATE INDEX contact_submission_parts_submission ON contact_submission_parts (submission_id);
