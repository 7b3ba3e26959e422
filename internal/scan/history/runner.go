package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/scan/verdict"
)

// RunnerOptions configure a Runner.
type RunnerOptions struct {
	// Store keeps the runs; required.
	Store *Store
	// Scan scans the site once; required.
	Scan func(ctx context.Context) (*verdict.Report, error)
	// URL is where the scans start, recorded with a failed run.
	URL string
	// ManifestHash returns the hash of the manifest in force, recorded
	// with a failed run; nil records none.
	ManifestHash func() string
	// Trail records every run's completion; nil records nothing.
	Trail *audit.Trail
	// Logger receives the runs' outcomes; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Runner runs the scans of the site, one at a time, whether the schedule
// or the console's button starts them, and keeps each in the Store.
type Runner struct {
	opt RunnerOptions
	log *slog.Logger

	// busy is held by the run under way, and active says so to
	// Running, which must not take busy even for a moment: a scheduled
	// run that found it taken would skip its turn.
	busy   sync.Mutex
	active atomic.Bool
	// ctx bounds the runs started in the background, ended by Close,
	// and runs counts them, so that Close waits for them before the
	// database closes.
	ctx    context.Context
	cancel context.CancelFunc
	runs   sync.WaitGroup
}

// NewRunner returns a runner whose background runs end with ctx or Close.
func NewRunner(ctx context.Context, opt RunnerOptions) (*Runner, error) {
	if opt.Store == nil || opt.Scan == nil {
		return nil, errors.New("scan runner: Store and Scan are required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{opt: opt, log: log}
	r.ctx, r.cancel = context.WithCancel(ctx)
	return r, nil
}

// Scheduled is the job's run: a scan, or nothing while another, such as
// one the console started, is under way.
func (r *Runner) Scheduled(ctx context.Context) error {
	if !r.busy.TryLock() {
		return nil
	}
	r.active.Store(true)
	defer r.release()
	return r.once(ctx, BySchedule)
}

// ScheduledIfDue is Scheduled when the latest run is older than every,
// or there is none: the first run after start, which a restart must not
// repeat while the last one is recent.
func (r *Runner) ScheduledIfDue(ctx context.Context, every time.Duration) error {
	runs, err := r.opt.Store.List(ctx, 1, 0)
	if err != nil {
		return err
	}
	if len(runs) > 0 && r.opt.Now().Sub(runs[0].Started) < every {
		return nil
	}
	return r.Scheduled(ctx)
}

// Start begins a scan in the background, unless one is under way, and
// reports whether it did.
func (r *Runner) Start() bool {
	if r.ctx.Err() != nil || !r.busy.TryLock() {
		return false
	}
	r.active.Store(true)
	r.runs.Go(func() {
		defer r.release()
		if err := r.once(r.ctx, ByConsole); err != nil {
			r.log.Error("scan: a run started from the console", "err", err)
		}
	})
	return true
}

// release ends the run under way.
func (r *Runner) release() {
	r.active.Store(false)
	r.busy.Unlock()
}

// Running reports whether a scan is under way.
func (r *Runner) Running() bool { return r.active.Load() }

// Close stops the runs started in the background and waits for them.
func (r *Runner) Close() {
	r.cancel()
	r.runs.Wait()
}

// once scans, stores the run, failed or not, and records its completion;
// the caller holds busy. Its error is one of storing: a scan that fails is
// a failed run, kept, not an error of the job. A run cut short by the
// server stopping is not kept.
func (r *Runner) once(ctx context.Context, by string) error {
	started := r.opt.Now().UTC()
	rep, err := r.opt.Scan(ctx)
	finished := r.opt.Now().UTC()
	if ctx.Err() != nil {
		return nil
	}
	var run Run
	if err != nil {
		hash := ""
		if r.opt.ManifestHash != nil {
			hash = r.opt.ManifestHash()
		}
		run = Failed(started, finished, r.opt.URL, by, hash, err)
		r.log.Error("scan of the site failed", "url", r.opt.URL, "err", err)
	} else {
		run = Completed(started, finished, by, rep)
		r.log.Info("scan of the site done", "url", run.URL, "pages", run.Pages,
			"violations", run.Violations, "warnings", run.Warnings, "took", run.Took())
	}
	id, err := r.opt.Store.Save(ctx, run)
	if err != nil {
		return err
	}
	r.record(ctx, id, run)
	if err := r.opt.Store.Prune(ctx); err != nil {
		return err
	}
	return nil
}

// record puts a run's completion in the audit trail: the system's act,
// with the counts an auditor compares runs by.
func (r *Runner) record(ctx context.Context, id int64, run Run) {
	if r.opt.Trail == nil {
		return
	}
	outcome := audit.OK
	if run.Status == StatusFailed {
		outcome = audit.Failed
	}
	e := audit.Entry{Actor: "system", Role: "system", Action: "scan.complete", Object: runObject(id), Outcome: outcome,
		Detail: map[string]string{
			"started_by": run.StartedBy, "status": run.Status, "pages": strconv.Itoa(run.Pages),
			"violations": strconv.Itoa(run.Violations), "warnings": strconv.Itoa(run.Warnings),
			"clean": strconv.FormatBool(run.Clean),
		}}
	if _, err := r.opt.Trail.Append(ctx, e); err != nil {
		r.log.Error("scan: record the run's completion", "run", id, "err", fmt.Errorf("audit scan run %d: %w", id, err))
	}
}
