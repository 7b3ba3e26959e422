package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/noren-web/noren/internal/jobs"
)

// Periods of the jobs whose period is not configured.
const (
	// rollupPeriod keeps the raw events that queries read to a few
	// minutes' worth.
	rollupPeriod = time.Minute
	// retentionPeriod is how often what is past its retention is deleted:
	// raw analytics events, vault records, ended console sessions, the
	// access log's files.
	retentionPeriod = time.Hour
)

// jobTable is the periodic work of a running Noren, for what it has wired.
func (a *app) jobTable() []jobs.Job {
	var table []jobs.Job
	if live := a.live; live != nil {
		table = append(table, jobs.Job{Name: "analytics-rollup", Period: rollupPeriod, RunAtStart: true, Fleet: true,
			Run: func(ctx context.Context) error { return live.rollup(ctx, a.logger) }})
		if keep := a.cfg.Analytics.RawRetention; keep > 0 {
			table = append(table, jobs.Job{Name: "analytics-retention", Period: retentionPeriod, RunAtStart: true, Fleet: true,
				Run: func(ctx context.Context) error { return live.retain(ctx, keep, a.logger) }})
		}
	}
	table = append(table, a.personal.queue.jobs()...)
	if a.personal.vault != nil {
		table = append(table, jobs.Job{Name: "vault-retention", Period: retentionPeriod, RunAtStart: true, Fleet: true,
			Run: func(ctx context.Context) error { return a.personal.shredExpired(ctx, a.trail) }})
	}
	if files := a.accessLog; files != nil {
		table = append(table, jobs.Job{Name: "access-log-retention", Period: retentionPeriod, RunAtStart: true,
			Run: func(context.Context) error { return a.pruneAccessLog(files) }})
	}
	table = append(table, jobs.Job{Name: "console-housekeeping", Period: retentionPeriod, RunAtStart: true, Fleet: true,
		Run: a.console.Housekeep})
	if a.manifestPath != "" && a.cfg.ManifestReload > 0 {
		table = append(table, jobs.Job{Name: "manifest-reload", Period: a.cfg.ManifestReload,
			Run: a.current.ReloadIfChanged})
	}
	if s := a.search; s != nil {
		table = append(table, s.job(a.upstream != nil))
	}
	if j := a.scans.job(); j != nil {
		// The scans are recorded in the database: one instance scans
		// for the fleet.
		j.Fleet = true
		table = append(table, *j)
	}
	table = append(table, a.cspJobs()...)
	if a.limits != nil {
		table = append(table, a.rateLimitJob())
	}
	if anchors := a.anchors; anchors != nil {
		table = append(table, jobs.Job{Name: "audit-anchor", Period: a.cfg.Audit.AnchorInterval, Fleet: true,
			Run: func(ctx context.Context) error {
				_, err := anchors.anchor(ctx, time.Now())
				return err
			}})
	}
	return table
}

// startJobs starts the periodic jobs, and the manifest's reload on SIGHUP.
// The function it returns stops them and waits until their runs under way
// have ended.
func (a *app) startJobs(ctx context.Context) (stop func(), err error) {
	leases, err := jobs.NewDBLeases(a.db)
	if err != nil {
		return nil, err
	}
	if err := a.reg.Register(leases.Collector()); err != nil {
		return nil, fmt.Errorf("jobs: register metrics: %w", err)
	}
	runner, err := jobs.New(a.jobTable(), a.logger, a.reg, jobs.Fleet{Leases: leases, Holder: a.instance})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	runner.Start(ctx)
	hangups := a.reloadOnHangup(ctx)
	return func() {
		cancel()
		runner.Wait()
		<-hangups
	}, nil
}

// reloadOnHangup reloads the manifest file each time the process gets
// SIGHUP, until ctx is done; the channel it returns is closed then. The
// embedded demo manifest has no file, and SIGHUP then does nothing.
func (a *app) reloadOnHangup(ctx context.Context) <-chan struct{} {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if a.manifestPath == "" {
				continue
			}
			if _, err := a.current.Reload(ctx); err != nil {
				a.logger.Error("manifest reload refused; the previous manifest stays in force", "file", a.manifestPath, "err", err)
			}
		}
	}()
	return done
}
