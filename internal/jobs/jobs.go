// Package jobs runs Noren's periodic background work: a table of named
// jobs, each on its own period, logged and measured by name, and waited
// for on shutdown so that the database is not closed under a running job.
//
// A job never overlaps itself: its runs follow one another on one
// goroutine. A run that outlasts its period is followed at once by the
// next, and the other ticks it missed are dropped.
// A run that fails is logged and counted, and the job runs again at its
// next period.
//
// A fleet job (Job.Fleet) runs on one instance of a fleet at a time: each
// run first takes the job's lease (see Leases) for one period, renewed
// while the run lasts, and is skipped while another instance holds it. The
// holder keeps renewing at its own ticks, so the job runs once per period
// in the whole fleet; when the holder stops, cleanly (it releases its
// leases) or not (its lease runs out), another instance takes over.
//
// Each job has these Prometheus series, labelled job:
// noren_job_last_run_timestamp_seconds (when its last run ended),
// noren_job_last_success_timestamp_seconds (when its last run that did not
// fail ended), noren_job_duration_seconds (how long its runs take),
// noren_job_failures_total, noren_job_running (1 while a run is under
// way) and, for fleet jobs, noren_job_lease_held (1 while this instance
// holds the lease) and noren_job_skipped_total (runs left to the instance
// that held the lease).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Job is one piece of periodic work.
type Job struct {
	// Name names the job in logs and metrics.
	Name string
	// Period is the time between two runs.
	Period time.Duration
	// RunAtStart runs the job as soon as the runner starts, rather than
	// one period later.
	RunAtStart bool
	// Run does the work once. Its context is cancelled on shutdown, or
	// when a fleet job's lease is lost; a run should then return soon, and
	// its error does not count as a failure.
	Run func(ctx context.Context) error
	// Fleet runs the job on one instance of the fleet at a time, under a
	// lease. Work on what the whole fleet shares (the database: rollups,
	// retention, shredding) is a fleet job; work on what the process has
	// (its buffers, its files, its search index) is not.
	Fleet bool
}

// Runner runs a table of jobs.
type Runner struct {
	jobs  []Job
	log   *slog.Logger
	fleet Fleet
	wg    sync.WaitGroup

	lastRun     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
	failures    *prometheus.CounterVec
	running     *prometheus.GaugeVec
	leaseHeld   *prometheus.GaugeVec
	skipped     *prometheus.CounterVec
}

// leaseWriteTimeout bounds the writes to the leases that also happen on
// shutdown: a database that does not answer then only makes the others
// wait for the leases to run out, or leaves a success unrecorded.
const leaseWriteTimeout = 5 * time.Second

// New returns a runner of jobs that logs to log and registers its metrics
// on reg. Every job needs a name of its own, a positive period and a Run;
// fleet jobs need fleet's leases and holder, which the other jobs ignore.
func New(jobs []Job, log *slog.Logger, reg prometheus.Registerer, fleet Fleet) (*Runner, error) {
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		switch {
		case j.Fleet && (fleet.Leases == nil || fleet.Holder == ""):
			return nil, fmt.Errorf("jobs: job %q runs once per fleet, but there are no leases or no holder", j.Name)
		case j.Name == "":
			return nil, errors.New("jobs: a job has no name")
		case seen[j.Name]:
			return nil, fmt.Errorf("jobs: job %q is listed twice", j.Name)
		case j.Period <= 0:
			return nil, fmt.Errorf("jobs: job %q: period %v is not positive", j.Name, j.Period)
		case j.Run == nil:
			return nil, fmt.Errorf("jobs: job %q has nothing to run", j.Name)
		}
		seen[j.Name] = true
	}
	r := &Runner{
		jobs:  slices.Clone(jobs),
		log:   log,
		fleet: fleet,
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "noren_job_last_run_timestamp_seconds",
			Help: "When the job's last run ended, in seconds since the Unix epoch.",
		}, []string{"job"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "noren_job_duration_seconds",
			Help:    "How long the job's runs take.",
			Buckets: []float64{.01, .05, .25, 1, 5, 15, 60, 300},
		}, []string{"job"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noren_job_failures_total",
			Help: "Runs of the job that failed.",
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "noren_job_last_success_timestamp_seconds",
			Help: "When the job's last run that did not fail ended, in seconds since the Unix epoch.",
		}, []string{"job"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "noren_job_running",
			Help: "1 while a run of the job is under way in this process.",
		}, []string{"job"}),
		leaseHeld: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "noren_job_lease_held",
			Help: "1 while this process holds the lease of the fleet job.",
		}, []string{"job"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noren_job_skipped_total",
			Help: "Runs of the fleet job skipped because another instance held its lease.",
		}, []string{"job"}),
	}
	for _, c := range []prometheus.Collector{r.lastRun, r.lastSuccess, r.duration, r.failures, r.running, r.leaseHeld, r.skipped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("jobs: register metrics: %w", err)
		}
	}
	// A job that has not failed shows 0, not no series at all, so that
	// alerts on its rate need no special case.
	for _, j := range r.jobs {
		r.failures.WithLabelValues(j.Name)
		r.running.WithLabelValues(j.Name)
		if j.Fleet {
			r.leaseHeld.WithLabelValues(j.Name)
			r.skipped.WithLabelValues(j.Name)
		}
	}
	return r, nil
}

// Jobs returns the runner's table.
func (r *Runner) Jobs() []Job { return slices.Clone(r.jobs) }

// Start runs every job until ctx is done. It is called once.
func (r *Runner) Start(ctx context.Context) {
	for _, j := range r.jobs {
		r.wg.Go(func() { r.loop(ctx, j) })
	}
}

// Wait blocks until every job has returned, which they do once the context
// given to Start is done and their running runs end.
func (r *Runner) Wait() { r.wg.Wait() }

func (r *Runner) loop(ctx context.Context, j Job) {
	var held bool
	defer func() {
		if held {
			r.release(ctx, j)
		}
	}()
	if j.RunAtStart && ctx.Err() == nil {
		held = r.attempt(ctx, j)
	}
	tick := time.NewTicker(j.Period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			// A tick that came with the shutdown does not start a run.
			if ctx.Err() != nil {
				return
			}
			held = r.attempt(ctx, j)
		}
	}
}

// attempt runs j once, a fleet job only when it gets the lease, and
// reports whether this process holds j's lease afterwards.
func (r *Runner) attempt(ctx context.Context, j Job) (held bool) {
	if !j.Fleet {
		_ = r.run(ctx, j) // logged and counted by run
		return false
	}
	ok, err := r.fleet.Leases.Acquire(ctx, j.Name, r.fleet.Holder, j.Period)
	switch {
	case err != nil && ctx.Err() != nil:
		return false
	case err != nil:
		r.leaseHeld.WithLabelValues(j.Name).Set(0)
		r.failures.WithLabelValues(j.Name).Inc()
		r.log.Error("job failed: its lease could not be taken; it is tried again at its next period", "job", j.Name, "err", err)
		return false
	case !ok:
		r.leaseHeld.WithLabelValues(j.Name).Set(0)
		r.skipped.WithLabelValues(j.Name).Inc()
		r.log.Debug("job skipped: another instance holds its lease", "job", j.Name, "instance", r.fleet.Holder)
		return false
	}
	r.leaseHeld.WithLabelValues(j.Name).Set(1)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	renewed := make(chan bool, 1)
	go func() { renewed <- r.renew(runCtx, cancel, j) }()
	err = r.run(runCtx, j)
	cancel()
	if !<-renewed {
		r.leaseHeld.WithLabelValues(j.Name).Set(0)
		return false
	}
	if err == nil {
		r.recordSuccess(ctx, j)
	}
	return true
}

// recordSuccess records a successful run for the fleet's metrics, also
// when the run ended with the shutdown.
func (r *Runner) recordSuccess(ctx context.Context, j Job) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseWriteTimeout)
	defer cancel()
	if err := r.fleet.Leases.Succeeded(ctx, j.Name, r.fleet.Holder); err != nil {
		r.log.Warn("job's success not recorded for the fleet", "job", j.Name, "err", err)
	}
}

// renew keeps j's lease while its run lasts, at a third of a period so
// that a late renewal still comes before the lease runs out. A lease taken
// by another instance meanwhile, which only happens when renewals failed
// for a whole period, stops the run. It returns once ctx is done, and
// reports whether the lease is still held.
func (r *Runner) renew(ctx context.Context, stop context.CancelFunc, j Job) bool {
	tick := time.NewTicker(max(j.Period/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-tick.C:
		}
		ok, err := r.fleet.Leases.Acquire(ctx, j.Name, r.fleet.Holder, j.Period)
		switch {
		case err != nil && ctx.Err() != nil:
			return true
		case err != nil:
			r.log.Warn("job's lease could not be renewed; it runs on while the lease lasts", "job", j.Name, "err", err)
		case !ok:
			r.log.Error("job's lease was taken by another instance; this run stops", "job", j.Name, "instance", r.fleet.Holder)
			stop()
			return false
		}
	}
}

// release gives up j's lease on shutdown, so that another instance, or
// this one restarted, need not wait for it to run out.
func (r *Runner) release(ctx context.Context, j Job) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseWriteTimeout)
	defer cancel()
	if err := r.fleet.Leases.Release(ctx, j.Name, r.fleet.Holder); err != nil {
		r.log.Warn("job's lease not released; it runs out by itself", "job", j.Name, "err", err)
		return
	}
	r.leaseHeld.WithLabelValues(j.Name).Set(0)
}

// run runs j once, then logs and measures the run, and returns its error.
func (r *Runner) run(ctx context.Context, j Job) error {
	running := r.running.WithLabelValues(j.Name)
	running.Set(1)
	start := time.Now()
	err := j.Run(ctx)
	end := time.Now()
	running.Set(0)
	took := end.Sub(start)
	r.duration.WithLabelValues(j.Name).Observe(took.Seconds())
	r.lastRun.WithLabelValues(j.Name).Set(float64(end.UnixNano()) / 1e9)
	switch {
	case err == nil:
		r.lastSuccess.WithLabelValues(j.Name).Set(float64(end.UnixNano()) / 1e9)
		r.log.Debug("job done", "job", j.Name, "took", took)
	case ctx.Err() != nil:
		r.log.Debug("job stopped by shutdown", "job", j.Name, "took", took, "err", err)
	default:
		r.failures.WithLabelValues(j.Name).Inc()
		r.log.Error("job failed; it runs again at its next period", "job", j.Name, "took", took, "err", err)
	}
	return err
}
