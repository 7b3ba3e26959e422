-- Records a policy version the first time its manifest is served. The hash
-- is the primary key, so a version already recorded, by this process or by
-- another sharing the database, keeps its first_served and no row is added.
INSERT INTO policy_versions (hash, version, effective, first_served, manifest, policy_ja, policy_en)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (hash) DO NOTHING
