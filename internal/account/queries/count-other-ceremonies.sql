-- Counts the ceremonies in progress under keys other than $1.
SELECT count(*) FROM admin_passkey_ceremonies WHERE key_hash <> $1
