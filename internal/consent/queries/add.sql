-- Records one choice. The receipt is the primary key, so a receipt can never
-- stand for two choices.
INSERT INTO consent_records
	(receipt, prev_receipt, given_at, policy_hash, consent_version, categories, tools, method, gpc, kind, lang)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
