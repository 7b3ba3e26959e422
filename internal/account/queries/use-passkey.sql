-- Records a use of a passkey with the signature counter it reported. The
-- counter must have grown, unless it is 0 and always was, as it stays for
-- authenticators without one (synced passkeys): the condition makes two
-- requests racing with the same counter value count once.
UPDATE admin_passkeys SET sign_count = $2, backup_state = $3, last_used_at = $4
WHERE id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))
