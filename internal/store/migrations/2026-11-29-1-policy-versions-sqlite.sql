-- Every version of the privacy manifest the site has served, keyed by the
-- manifest's content hash, with the policy as rendered then, so the policy
-- history can list versions and show what changed between them.
--
-- first_served is UTC as fixed-width text (2006-01-02T15:04:05.000000Z) so
-- that text order is time order; the TIMESTAMP declaration makes the driver
-- scan it into time.Time. The CHECKs keep out values written some other way.
CREATE TABLE policy_versions (
	hash         TEXT NOT NULL PRIMARY KEY
	             CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
	version      TEXT NOT NULL,
	effective    TEXT NOT NULL
	             CHECK (effective GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	first_served TIMESTAMP NOT NULL
	             CHECK (first_served GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
	manifest     TEXT NOT NULL,
	policy_ja    TEXT NOT NULL,
	policy_en    TEXT NOT NULL
);

CREATE INDEX policy_versions_first_served ON policy_versions (first_served);
