-- The choices made in [$1, $2), oldest first; the receipt orders choices
-- made in the same microsecond, so that an export is stable.
SELECT receipt, prev_receipt, given_at, policy_hash, consent_version, categories, tools, method, gpc, kind, lang
FROM consent_records
WHERE given_at >= $1 AND given_at < $2
ORDER BY given_at, receipt
