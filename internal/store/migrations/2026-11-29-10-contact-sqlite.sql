-- Contact form submissions and the challenges they used.
--
-- contact_submissions holds no personal data: what the person wrote, their
-- address included, is sealed in the vault (vault_id names the record); the
-- row keeps only what handling the submission needs in the clear. reference
-- is the number shown to the person, random (not a counter) and never
-- enough to open anything. Times are UTC text of fixed width declared
-- TIMESTAMP, as in every table.
CREATE TABLE contact_submissions (
	id             TEXT NOT NULL PRIMARY KEY
	               CHECK (length(id) = 26 AND id NOT GLOB '*[^a-z2-7]*'),
	form           TEXT NOT NULL CHECK (length(form) BETWEEN 1 AND 64 AND form NOT GLOB '*[^a-z0-9_-]*'),
	reference      TEXT NOT NULL UNIQUE CHECK (length(reference) = 16 AND reference GLOB 'C-[0-9][0-9][0-9][0-9]-????-????'),
	created_at     TIMESTAMP NOT NULL,
	vault_id       TEXT NOT NULL UNIQUE REFERENCES vault_records (id),
	policy_version TEXT NOT NULL,
	policy_hash    TEXT NOT NULL CHECK (length(policy_hash) = 64 AND policy_hash NOT GLOB '*[^0-9a-f]*'),
	lang           TEXT NOT NULL,
	status         TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'answered', 'closed')),
	assigned_to    INTEGER REFERENCES admin_users (id) ON DELETE SET NULL,
	expires_at     TIMESTAMP NOT NULL
);

-- The console lists submissions newest first, per form and status.
CREATE INDEX contact_submissions_form ON contact_submissions (form, status, created_at);

-- Retention finds the submissions past their expiry.
CREATE INDEX contact_submissions_expires ON contact_submissions (expires_at);

-- Challenges already answered by a stored submission, so that each is used
-- once; a row is useless, and deleted, once its challenge has expired.
CREATE TABLE contact_challenges (
	id         TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 22),
	expires_at TIMESTAMP NOT NULL
);

CREATE INDEX contact_challenges_expires ON contact_challenges (expires_at);
