UPDATE contact_submissions SET status = $2 WHERE id = $1
