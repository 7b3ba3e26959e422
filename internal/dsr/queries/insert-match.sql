-- One vault record a verified request concerns.
INSERT INTO dsr_matches (request_id, vault_id) VALUES ($1, $2)
