-- The personal-data vault: one row per sealed record.
--
-- The payload (ciphertext) is AES-256-GCM under a data key of the record's
-- own; that data key is stored only wrapped (wrapped_dek) by the key-
-- encryption key named in kek_id, which lives in a key file outside the
-- database. subject_index is an HMAC-SHA256 blind index of the subject's
-- e-mail address, so a person's records can be found without decrypting
-- anyone's. Shredding a record clears every one of those columns and sets
-- shredded_at; what remains (kind, form, times) holds nothing personal and
-- serves the inventory report.
CREATE TABLE vault_records (
	id            text PRIMARY KEY CHECK (id ~ '^[a-z2-7]{26}$'),
	kind          text NOT NULL CHECK (kind ~ '^[a-z0-9_-]{1,64}$'),
	form          text NOT NULL CHECK (form ~ '^[a-z0-9_-]{1,64}$'),
	created_at    timestamptz NOT NULL,
	expires_at    timestamptz NOT NULL,
	subject_index bytea CHECK (subject_index IS NULL OR length(subject_index) = 32),
	kek_id        text,
	wrapped_dek   bytea,
	ciphertext    bytea,
	shredded_at   timestamptz,
	CHECK (
		(shredded_at IS NULL AND kek_id IS NOT NULL AND wrapped_dek IS NOT NULL AND ciphertext IS NOT NULL)
		OR (shredded_at IS NOT NULL AND kek_id IS NULL AND wrapped_dek IS NULL AND ciphertext IS NULL AND subject_index IS NULL)
	)
);

-- Find looks records up by the subject's blind index.
CREATE INDEX vault_records_subject ON vault_records (subject_index) WHERE subject_index IS NOT NULL;

-- Retention finds the live records past their expiry.
CREATE INDEX vault_records_expires ON vault_records (expires_at) WHERE shredded_at IS NULL;

-- Rotation finds the live records not yet wrapped by the new key.
CREATE INDEX vault_records_kek ON vault_records (kek_id) WHERE shredded_at IS NULL;
