-- Every version of the privacy manifest the site has served, keyed by the
-- manifest's content hash, with the policy as rendered then, so the policy
-- history can list versions and show what changed between them.
CREATE TABLE policy_versions (
	hash         text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
	version      text NOT NULL,
	effective    text NOT NULL CHECK (effective ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
	first_served timestamptz NOT NULL,
	manifest     text NOT NULL,
	policy_ja    text NOT NULL,
	policy_en    text NOT NULL
);

CREATE INDEX policy_versions_first_served ON policy_versions (first_served);
