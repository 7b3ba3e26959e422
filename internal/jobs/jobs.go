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
// Each job has three Prometheus series, labelled job:
// noren_job_last_run_timestamp_seconds (when its last run ended),
// noren_job_duration_seconds (how long its runs take) and
// noren_job_failures_total.
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
	// Run does the work once. Its context is cancelled on shutdown; a run
	// should then return soon, and its error does not count as a failure.
	Run func(ctx context.Context) error
}

// Runner runs a table of jobs.
type Runner struct {
	jobs []Job
	log  *slog.Logger
	wg   sync.WaitGroup

	lastRun  *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

// New returns a runner of jobs that logs to log and registers its metrics
// on reg. Every job needs a name of its own, a positive period and a Run.
func New(jobs []Job, log *slog.Logger, reg prometheus.Registerer) (*Runner, error) {
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		switch {
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
		jobs: slices.Clone(jobs),
		log:  log,
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
	}
	for _, c := range []prometheus.Collector{r.lastRun, r.duration, r.failures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("jobs: register metrics: %w", err)
		}
	}
	// A job that has not failed shows 0, not no series at all, so that
	// alerts on its rate need no special case.
	for _, j := range r.jobs {
		r.failures.WithLabelValues(j.Name)
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
	if j.RunAtStart && ctx.Err() == nil {
		r.run(ctx, j)
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
			r.run(ctx, j)
		}
	}
}

// run runs j once, then logs and measures the run.
func (r *Runner) run(ctx context.Context, j Job) {
	start := time.Now()
	err := j.Run(ctx)
	end := time.Now()
	took := end.Sub(start)
	r.duration.WithLabelValues(j.Name).Observe(took.Seconds())
	r.lastRun.WithLabelValues(j.Name).Set(float64(end.UnixNano()) / 1e9)
	switch {
	case err == nil:
		r.log.Debug("job done", "job", j.Name, "took", took)
	case ctx.Err() != nil:
		r.log.Debug("job stopped by shutdown", "job", j.Name, "took", took, "err", err)
	default:
		r.failures.WithLabelValues(j.Name).Inc()
		r.log.Error("job failed; it runs again at its next period", "job", j.Name, "took", took, "err", err)
	}
}
