-- What the console records while a data-subject request is decided.
--
-- identity_*: how staff verified the requester's identity (Art. 77(2) of
-- the APPI for a public body; a business may too), who did, and when. A
-- public body's request is not decided before it is recorded. The means is
-- one of a short list; the note says more where the means is "other" and,
-- like the status note, must not hold personal data. identity_by and
-- extended_by are the staff account's e-mail address as it was then, so the
-- record keeps its author when the account is later removed.
--
-- extended_*: a public body may extend the deadline once, with notice to
-- the requester (Art. 83(2)); extended_from keeps the deadline before the
-- extension, and the reason is the one the notice gave.
ALTER TABLE dsr_requests ADD COLUMN identity_means text NOT NULL DEFAULT ''
	CHECK (identity_means IN ('', 'counter', 'post', 'online', 'other'));
ALTER TABLE dsr_requests ADD COLUMN identity_note text NOT NULL DEFAULT '';
ALTER TABLE dsr_requests ADD COLUMN identity_by text NOT NULL DEFAULT '';
ALTER TABLE dsr_requests ADD COLUMN identity_at timestamptz;
ALTER TABLE dsr_requests ADD COLUMN extended_from timestamptz;
ALTER TABLE dsr_requests ADD COLUMN extension_reason text NOT NULL DEFAULT '';
ALTER TABLE dsr_requests ADD COLUMN extended_by text NOT NULL DEFAULT '';
ALTER TABLE dsr_requests ADD COLUMN extended_at timestamptz;
