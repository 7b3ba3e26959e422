-- Contact form submissions and the challenges they used.
--
-- contact_submissions holds no personal data: what the person wrote, their
-- address included, is sealed in the vault (vault_id names the record); the
-- row keeps only what handling the submission needs in the clear. reference
-- is the number shown to the person, random (not a counter) and never
-- enough to open anything.
CREATE TABLE contact_submissions (
	id             text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{26}$'),
	form           text NOT NULL CHECK (form ~ '^[a-z0-9_-]{1,64}$'),
	reference      text NOT NULL UNIQUE CHECK (reference ~ '^C-[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
	created_at     timestamptz NOT NULL,
	vault_id       text NOT NULL UNIQUE REFERENCES vault_records (id),
	policy_version text NOT NULL,
	policy_hash    text NOT NULL CHECK (policy_hash ~ '^[0-9a-f]{64}$'),
	lang           text NOT NULL,
	status         text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'answered', 'closed')),
	assigned_to    bigint REFERENCES admin_users (id) ON DELETE SET NULL,
	expires_at     timestamptz NOT NULL
);

-- The console lists submissions newest first, per form and status.
CREATE INDEX contact_submissions_form ON contact_submissions (form, status, created_at);

-- Retention finds the submissions past their expiry.
CREATE INDEX contact_submissions_expires ON contact_submissions (expires_at);

-- Challenges already answered by a stored submission, so that each is used
-- once; a row is useless, and deleted, once its challenge has expired.
CREATE TABLE contact_challenges (
	id         text PRIMARY KEY CHECK (length(id) = 22),
	expires_at timestamptz NOT NULL
);

CREATE INDEX contact_challenges_expires ON contact_challenges (expires_at);
