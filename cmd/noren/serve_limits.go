package main

import (
	"context"
	"time"

	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/ratelimit"
)

// rateLimitSweepPeriod is how often the ended rate-limit counts and the
// secrets of past days are deleted: often enough that a day's secret
// outlives the day after by minutes, not hours.
const rateLimitSweepPeriod = 10 * time.Minute

// openRateLimits opens the rate limits that every instance on the database
// shares: the console's sign-in throttle, the request form's and the
// contact forms' limits.
func (a *app) openRateLimits() error {
	limits, err := ratelimit.NewShared(a.db)
	if err != nil {
		return err
	}
	a.limits = limits
	return nil
}

// rateLimitJob deletes what the shared rate limits no longer need; one
// instance does it for the fleet.
func (a *app) rateLimitJob() jobs.Job {
	return jobs.Job{Name: "ratelimit-sweep", Period: rateLimitSweepPeriod, RunAtStart: true, Fleet: true,
		Run: func(ctx context.Context) error { return a.limits.Sweep(ctx, time.Now()) }}
}
