-- Deletes the days before $1 (YYYY-MM-DD), which sorts as text.
DELETE FROM csp_reports WHERE day < $1
