-- Takes or renews the lease on job $1 for holder $2 for $3 seconds. It is
-- taken when nobody holds it, when its holder's time has run out, or when
-- $2 holds it already; otherwise no row comes back. The database's clock
-- decides, so that the instances' clocks need not agree.
INSERT INTO job_leases (name, holder, held_until)
VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
WHERE job_leases.holder = excluded.holder OR job_leases.held_until <= clock_timestamp()
RETURNING holder
