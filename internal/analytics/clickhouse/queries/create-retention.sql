-- The cut-offs Retain has applied: no day before the latest is rolled up
-- again, since its raw events are gone.
CREATE TABLE IF NOT EXISTS analytics_retention/*local*/ (
	before DateTime('UTC')
) ENGINE = MergeTree
ORDER BY before
