package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Leases hands out the leases that make a fleet job run on one instance at
// a time.
type Leases interface {
	// Acquire takes the lease on job for holder, or renews it when holder
	// has it already, for hold from now, and reports whether holder has
	// it. It is refused while another holder's lease lasts.
	Acquire(ctx context.Context, job, holder string, hold time.Duration) (bool, error)
	// Release gives up holder's lease on job; another holder's stays.
	Release(ctx context.Context, job, holder string) error
	// Succeeded records that holder's run of job has just ended without
	// failing.
	Succeeded(ctx context.Context, job, holder string) error
}

// Fleet is what a Runner needs for the jobs that run once per fleet.
type Fleet struct {
	// Leases are shared by every instance of the fleet.
	Leases Leases
	// Holder names this process in the leases: NewHolder's, one per
	// process, so that a restarted process is a new holder.
	Holder string
}

// NewHolder returns a random id for this process in the leases, also
// shown by the readiness endpoint and in logs, so that operators can tell
// which instance holds what.
func NewHolder() string {
	return strings.ToLower(rand.Text()[:12])
}

// DBLeases keeps the leases in the database's job_leases table, on the
// database's clock. It is safe for concurrent use.
type DBLeases struct {
	db *store.DB
	q  map[string]string
}

var _ Leases = (*DBLeases)(nil)

// NewDBLeases returns the leases kept in db, which must be migrated.
func NewDBLeases(db *store.DB) (*DBLeases, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, err
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &DBLeases{db: db, q: q}, nil
}

// Acquire takes or renews holder's lease on job in one statement, so that
// two instances trying at once cannot both have it.
func (l *DBLeases) Acquire(ctx context.Context, job, holder string, hold time.Duration) (bool, error) {
	var got string
	err := l.db.QueryRowContext(ctx, l.q["acquire-lease"], job, holder, hold.Seconds()).Scan(&got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("jobs: acquire the lease on %s: %w", job, err)
	}
	return true, nil
}

// Release ends holder's lease on job now.
func (l *DBLeases) Release(ctx context.Context, job, holder string) error {
	if _, err := l.db.ExecContext(ctx, l.q["release-lease"], job, holder); err != nil {
		return fmt.Errorf("jobs: release the lease on %s: %w", job, err)
	}
	return nil
}

// Succeeded records the time of holder's successful run of job.
func (l *DBLeases) Succeeded(ctx context.Context, job, holder string) error {
	if _, err := l.db.ExecContext(ctx, l.q["record-success"], job, holder); err != nil {
		return fmt.Errorf("jobs: record the success of %s: %w", job, err)
	}
	return nil
}

// Lease is one job's lease as the database keeps it.
type Lease struct {
	Job, Holder string
	// Until is when the lease runs out, or ran out.
	Until time.Time
	// Succeeded is when a run of the job last ended without failing, on
	// any instance; zero before the first.
	Succeeded time.Time
}

// List returns every lease, those that ran out included.
func (l *DBLeases) List(ctx context.Context) ([]Lease, error) {
	rows, err := l.db.QueryContext(ctx, l.q["leases"])
	if err != nil {
		return nil, fmt.Errorf("jobs: list the leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var le Lease
		var succeeded sql.NullTime
		if err := rows.Scan(&le.Job, &le.Holder, &le.Until, &succeeded); err != nil {
			return nil, fmt.Errorf("jobs: list the leases: %w", err)
		}
		le.Succeeded = succeeded.Time
		out = append(out, le)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: list the leases: %w", err)
	}
	return out, nil
}

// scrapeTimeout bounds the query a scrape of the metrics runs.
const scrapeTimeout = 5 * time.Second

var fleetSuccessDesc = prometheus.NewDesc("noren_job_fleet_last_success_timestamp_seconds",
	"When a run of the fleet job last ended without failing, on any instance, in seconds since the Unix epoch. Read from the database, so that every instance reports the same.",
	[]string{"job"}, nil)

// leaseCollector reports what the leases table says of every fleet job.
type leaseCollector struct{ l *DBLeases }

// Collector returns a Prometheus collector of
// noren_job_fleet_last_success_timestamp_seconds, the fleet's view of its
// jobs where noren_job_last_success_timestamp_seconds is this process's.
func (l *DBLeases) Collector() prometheus.Collector { return leaseCollector{l} }

func (c leaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- fleetSuccessDesc }

func (c leaseCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	leases, err := c.l.List(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(fleetSuccessDesc, err)
		return
	}
	for _, le := range leases {
		if !le.Succeeded.IsZero() {
			ch <- prometheus.MustNewConstMetric(fleetSuccessDesc, prometheus.GaugeValue, float64(le.Succeeded.UnixNano())/1e9, le.Job)
		}
	}
}
