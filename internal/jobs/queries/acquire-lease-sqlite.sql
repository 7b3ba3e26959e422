-- Takes or renews the lease on job $1 for holder $2 for $3 seconds. It is
-- taken when nobody holds it, when its holder's time has run out, or when
-- $2 holds it already; otherwise no row comes back. The database's clock
-- decides; the times are written as the store writes every time, in UTC
-- with six decimals, so that text order is time order.
INSERT INTO job_leases (name, holder, held_until)
VALUES ($1, $2, strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '+' || $3 || ' seconds'))
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
WHERE job_leases.holder = excluded.holder OR job_leases.held_until <= strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')
RETURNING holder
