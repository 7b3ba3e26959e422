-- Forgets the ceremonies that ended unanswered by $1.
DELETE FROM admin_passkey_ceremonies WHERE expires_at <= $1
