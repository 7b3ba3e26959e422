-- Every lease, run out or not, by job.
SELECT name, holder, held_until, succeeded FROM job_leases ORDER BY name
