-- Records that holder $2's run of job $1 has just ended without failing.
UPDATE job_leases SET succeeded = clock_timestamp() WHERE name = $1 AND holder = $2
