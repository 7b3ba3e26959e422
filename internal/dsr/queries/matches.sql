-- The vault records a request concerns.
SELECT vault_id FROM dsr_matches WHERE request_id = $1 ORDER BY vault_id
