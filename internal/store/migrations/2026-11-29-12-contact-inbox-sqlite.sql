-- Notes that staff write on contact submissions in the console inbox.
--
-- What a note says is sealed in the vault (vault_id names the record, kind
-- "note", expiring with its submission), since staff write about the
-- person; the row keeps only who wrote it and when. author is the account's
-- e-mail address as it was when writing, so the note keeps its author when
-- the account is later removed. Times are UTC text of fixed width declared
-- TIMESTAMP, as in every table.
CREATE TABLE contact_notes (
	id            TEXT NOT NULL PRIMARY KEY
	              CHECK (length(id) = 26 AND id NOT GLOB '*[^a-z2-7]*'),
	submission_id TEXT NOT NULL REFERENCES contact_submissions (id) ON DELETE CASCADE,
	author        TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 320),
	created_at    TIMESTAMP NOT NULL,
	vault_id      TEXT NOT NULL UNIQUE REFERENCES vault_records (id)
);

-- A submission's notes are read oldest first.
CREATE INDEX contact_notes_submission ON contact_notes (submission_id, created_at);
