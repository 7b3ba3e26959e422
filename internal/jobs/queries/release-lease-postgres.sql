-- Ends holder $2's lease on job $1 now, so that the next instance to try
-- need not wait for it to run out. Another holder's lease stays. The row
-- stays too, with the time of the job's last success.
UPDATE job_leases SET held_until = clock_timestamp() WHERE name = $1 AND holder = $2
