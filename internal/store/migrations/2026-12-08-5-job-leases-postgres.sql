-- Leases of the periodic jobs that run once per fleet, not once per
-- instance: before a run an instance takes the job's lease, which it may
-- when the lease has run out or is its own, and keeps it until held_until,
-- about one period on, renewing it while the run lasts. holder is the
-- random id of the instance's process. A crashed instance's lease runs
-- out; one that stops cleanly ends its own at once. succeeded is when a
-- run of the job last ended without failing, on whichever instance, for
-- the metrics.
CREATE TABLE job_leases (
	name       text PRIMARY KEY,
	holder     text NOT NULL,
	held_until timestamptz NOT NULL,
	succeeded  timestamptz
);
