package main

import (
	"context"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/server"
)

// vaultCheckPeriod is how often readiness proves that the vault's keys
// open its records: a count of the vault and a decryption per key, too much
// for every probe, and a key file that differs from the fleet's is not a
// matter of seconds.
const vaultCheckPeriod = time.Minute

// mailBacklog is what readiness needs of the mail outbox.
type mailBacklog interface {
	Backlog(ctx context.Context) (pending int, oldestDue time.Time, err error)
}

// startReadiness sets up /readyz: the database, ClickHouse when the
// analytics use it, the vault's keys when personal data is on, and the
// mail outbox's backlog when there is one and http.readiness_mail_wait is
// set.
func (a *app) startReadiness(outbox mailBacklog) error {
	leases, err := jobs.NewDBLeases(a.db)
	if err != nil {
		return err
	}
	checks := []server.HealthCheck{{Name: "database", Check: func(ctx context.Context) error {
		if err := a.db.Ping(ctx); err != nil {
			return err
		}
		// A query of a table of Noren's, not only a connection.
		_, err := leases.List(ctx)
		return err
	}}}
	if live := a.live; live != nil && a.cfg.Analytics.Backend == "clickhouse" {
		checks = append(checks, server.HealthCheck{Name: "clickhouse", Check: func(ctx context.Context) error {
			_, err := live.store.Realtime(ctx, live.sites[0], time.Now())
			return err
		}})
	}
	if v := a.personal.vault; v != nil {
		// The keys opened the records at start (openPersonalData).
		verified := &periodic{period: vaultCheckPeriod, at: time.Now(), check: func(ctx context.Context) error {
			if err := v.Verify(ctx); err != nil {
				a.logger.Error("readiness: the vault's keys were not proved to open its records", "err", err)
				return server.Unready("the vault's keys were not proved to open its records: the keys may differ from the other instances'")
			}
			return nil
		}}
		checks = append(checks, server.HealthCheck{Name: "vault_keys", Check: verified.result})
	}
	if wait := a.cfg.HTTP.ReadinessMailWait; outbox != nil && wait > 0 {
		checks = append(checks, server.HealthCheck{Name: "mail_outbox", Check: func(ctx context.Context) error {
			return checkBacklog(ctx, outbox, wait, time.Now())
		}})
	}
	a.readiness, err = server.NewReadiness(server.ReadinessOptions{
		Checks:     checks,
		Instance:   a.instance,
		Logger:     a.logger,
		Registerer: a.reg,
	})
	return err
}

// checkBacklog fails when a message due to be sent has waited longer than
// wait: no instance is sending, or the mail server refuses.
func checkBacklog(ctx context.Context, outbox mailBacklog, wait time.Duration, now time.Time) error {
	pending, oldest, err := outbox.Backlog(ctx)
	if err != nil {
		return err
	}
	if waited := now.Sub(oldest); pending > 0 && !oldest.IsZero() && waited > wait {
		return server.Unready("%d message(s) wait to be sent, the oldest due for %v (more than %v)", pending, waited.Round(time.Second), wait)
	}
	return nil
}

// periodic is a check too slow to run for each probe: it runs in the
// background at most once per period, with a period to finish, and the
// probes get its latest result at once.
type periodic struct {
	period time.Duration
	check  func(context.Context) error

	mu      sync.Mutex
	last    error
	at      time.Time // when last was found
	running bool
}

// result is the latest result, and starts the check again when that is a
// period old.
func (p *periodic) result(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running && time.Since(p.at) >= p.period {
		p.running = true
		go p.refresh()
	}
	return p.last
}

func (p *periodic) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), p.period)
	defer cancel()
	err := p.check(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last, p.at, p.running = err, time.Now(), false
}
