-- Records that holder $2's run of job $1 has just ended without failing.
UPDATE job_leases SET succeeded = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE name = $1 AND holder = $2
