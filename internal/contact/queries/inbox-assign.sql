-- $2 is an account id, or NULL for nobody.
UPDATE contact_submissions SET assigned_to = $2 WHERE id = $1
