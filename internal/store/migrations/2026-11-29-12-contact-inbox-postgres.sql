-- Notes that staff write on contact submissions in the console inbox.
--
-- What a note says is sealed in the vault (vault_id names the record, kind
-- "note", expiring with its submission), since staff write about the
-- person; the row keeps only who wrote it and when. author is the account's
-- e-mail address as it was when writing, so the note keeps its author when
-- the account is later removed.
CREATE TABLE contact_notes (
	id            text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{26}$'),
	submission_id text NOT NULL REFERENCES contact_submissions (id) ON DELETE CASCADE,
	author        text NOT NULL CHECK (length(author) BETWEEN 1 AND 320),
	created_at    timestamptz NOT NULL,
	vault_id      text NOT NULL UNIQUE REFERENCES vault_records (id)
);

-- A submission's notes are read oldest first.
CREATE INDEX contact_notes_submission ON contact_notes (submission_id, created_at);
