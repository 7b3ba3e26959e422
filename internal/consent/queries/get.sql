-- One choice by its receipt.
SELECT receipt, prev_receipt, given_at, policy_hash, consent_version, categories, tools, method, gpc, kind, lang
FROM consent_records
WHERE receipt = $1
