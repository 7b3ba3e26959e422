package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HealthCheck is one named dependency check of a Readiness, such as a
// database ping.
type HealthCheck struct {
	Name  string
	Check func(context.Context) error
}

// Unready returns an error whose text the readiness answer shows as the
// reason its check failed, such as "the oldest message has waited 2h".
// The text must be fit for a public answer. Any other error is shown only
// as a failure, and logged: it may name hosts or connection strings.
func Unready(format string, args ...any) error {
	return unreadyError(fmt.Sprintf(format, args...))
}

type unreadyError string

func (e unreadyError) Error() string { return string(e) }

// Defaults of ReadinessOptions.
const (
	defaultCheckTimeout = 2 * time.Second
	defaultCheckCache   = time.Second
)

// ReadinessOptions configure a Readiness.
type ReadinessOptions struct {
	// Checks are the dependencies an instance needs to serve; they run
	// concurrently.
	Checks []HealthCheck
	// Instance names this process in the answer, as in the logs.
	Instance string
	// Timeout bounds each check; zero means 2 s.
	Timeout time.Duration
	// CacheFor is how long the checks' results are reused, so that a
	// flood of probes costs the database one check at a time; zero means
	// 1 s.
	CacheFor time.Duration
	// Logger receives the failures of checks, with their errors.
	Logger *slog.Logger
	// Registerer, when set, gets the noren_ready gauge.
	Registerer prometheus.Registerer
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	OK     bool    `json:"ok"`
	TookMS float64 `json:"took_ms"`
	// Reason says why the check failed.
	Reason string `json:"reason,omitempty"`
}

// ReadinessReport is the answer of the readiness endpoint.
type ReadinessReport struct {
	Ready    bool   `json:"ready"`
	Instance string `json:"instance,omitempty"`
	// Draining is true once the instance is shutting down: it still
	// serves, but load balancers should send it nothing new.
	Draining bool                   `json:"draining"`
	Checks   map[string]CheckResult `json:"checks"`
}

// Readiness tells load balancers whether an instance should get traffic:
// its dependencies answer, and it is not shutting down. It is safe for
// concurrent use.
type Readiness struct {
	opt      ReadinessOptions
	draining atomic.Bool

	// mu serialises the checks: probes that come while they run wait for
	// their results instead of running them again.
	mu     sync.Mutex
	last   map[string]CheckResult
	at     time.Time
	failed map[string]bool // the checks that failed last time, for the log
}

// NewReadiness returns the readiness of the checks in opt, and registers
// its gauge.
func NewReadiness(opt ReadinessOptions) (*Readiness, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = defaultCheckTimeout
	}
	if opt.CacheFor <= 0 {
		opt.CacheFor = defaultCheckCache
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	seen := make(map[string]bool, len(opt.Checks))
	for _, c := range opt.Checks {
		if c.Name == "" || c.Check == nil || seen[c.Name] {
			return nil, fmt.Errorf("server: readiness check %q: each needs a name of its own and a check", c.Name)
		}
		seen[c.Name] = true
	}
	r := &Readiness{opt: opt, failed: make(map[string]bool)}
	if opt.Registerer != nil {
		ready := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "noren_ready",
			Help: "1 while the instance is ready for traffic (its readiness checks pass and it is not draining), else 0.",
		}, func() float64 {
			if r.Report(context.Background()).Ready {
				return 1
			}
			return 0
		})
		if err := opt.Registerer.Register(ready); err != nil {
			return nil, fmt.Errorf("server: register readiness metrics: %w", err)
		}
	}
	return r, nil
}

// Drain makes the instance unready from now on, as the first step of a
// graceful shutdown.
func (r *Readiness) Drain() { r.draining.Store(true) }

// Report runs the checks, or reuses their results when they are recent,
// and says whether the instance is ready.
func (r *Readiness) Report(ctx context.Context) ReadinessReport {
	checks := r.results(ctx)
	rep := ReadinessReport{Ready: true, Instance: r.opt.Instance, Draining: r.draining.Load(), Checks: checks}
	if rep.Draining {
		rep.Ready = false
	}
	for _, c := range checks {
		if !c.OK {
			rep.Ready = false
		}
	}
	return rep
}

// ServeHTTP answers 200 with the report when the instance is ready, 503
// when it is not.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rep := r.Report(req.Context())
	body, err := json.Marshal(rep)
	if err != nil {
		http.Error(w, "readiness: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	if !rep.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(body, '\n'))
}

// results returns the checks' results, run again when those kept are
// older than CacheFor.
func (r *Readiness) results(ctx context.Context) map[string]CheckResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last != nil && time.Since(r.at) < r.opt.CacheFor {
		return r.last
	}
	// A probe that gives up must not cut the checks short for the probes
	// that share their results.
	ctx = context.WithoutCancel(ctx)
	results := make([]CheckResult, len(r.opt.Checks))
	errs := make([]error, len(r.opt.Checks))
	var wg sync.WaitGroup
	for i, c := range r.opt.Checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, r.opt.Timeout)
			defer cancel()
			start := time.Now()
			errs[i] = c.Check(ctx)
			results[i] = CheckResult{OK: errs[i] == nil, TookMS: float64(time.Since(start).Microseconds()) / 1000}
		})
	}
	wg.Wait()
	out := make(map[string]CheckResult, len(results))
	for i, c := range r.opt.Checks {
		res, err := results[i], errs[i]
		if err != nil {
			res.Reason = r.reason(err)
			if !r.failed[c.Name] {
				r.opt.Logger.Warn("readiness check failed: the instance is not ready", "check", c.Name, "err", err)
			}
		} else if r.failed[c.Name] {
			r.opt.Logger.Info("readiness check passes again", "check", c.Name)
		}
		r.failed[c.Name] = err != nil
		out[c.Name] = res
	}
	r.last, r.at = out, time.Now()
	return out
}

// reason is what the answer says of a check's error.
func (r *Readiness) reason(err error) string {
	var unready unreadyError
	switch {
	case errors.As(err, &unready):
		return string(unready)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %v", r.opt.Timeout)
	}
	return "failed; the instance's log has the error"
}
