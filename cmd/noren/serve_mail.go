package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/mail/queue"
	"github.com/noren-web/noren/internal/store"
)

// mailQueue is the durable queue of the mail that announces what the
// database records (the links, receipts, notices and disclosures of
// data-subject requests) and this instance's worker sending it.
type mailQueue struct {
	outbox *outbox.Outbox
	worker *outbox.Worker
}

// openOutbox opens the mail queue when there is mail to send it with.
// instance names this process in the leases of the messages it sends.
func (pd *personalData) openOutbox(db *store.DB, instance string) error {
	if pd.mail == nil {
		return nil
	}
	o, err := outbox.New(outbox.Options{DB: db, Keys: pd.keys})
	if err != nil {
		return err
	}
	w, err := o.NewWorker(outbox.WorkerOptions{Mailer: pd.mail, Owner: instance})
	if err != nil {
		return err
	}
	pd.queue = &mailQueue{outbox: o, worker: w}
	return nil
}

// registerMailMetrics registers noren_mail_outbox_messages when there is
// a queue.
func (pd *personalData) registerMailMetrics(reg prometheus.Registerer) error {
	if pd.queue == nil {
		return nil
	}
	return reg.Register(pd.queue.outbox.Collector())
}

// mailBacklog is the outbox for readiness, or nil without one.
func (pd *personalData) mailBacklog() mailBacklog {
	if pd.queue == nil {
		return nil
	}
	return pd.queue.outbox
}

// mailConsole is the console's page of the queue, which says so when mail
// is off.
func (pd *personalData) mailConsole() *queue.Pages {
	var opt queue.Options
	if pd.queue != nil {
		opt.Outbox = pd.queue.outbox
	}
	return queue.New(opt)
}

// jobs send the queue's mail and delete what is past its retention. Every
// instance sends, each message under a lease of its own; the retention is
// fleet work.
func (q *mailQueue) jobs() []jobs.Job {
	if q == nil {
		return nil
	}
	return []jobs.Job{
		{Name: "mail-outbox", Period: outbox.DefaultInterval, RunAtStart: true,
			Run: func(ctx context.Context) error {
				_, err := q.worker.SendDue(ctx)
				return err
			}},
		{Name: "mail-outbox-retention", Period: retentionPeriod, RunAtStart: true, Fleet: true,
			Run: func(ctx context.Context) error {
				_, err := q.outbox.DeleteFinished(ctx)
				return err
			}},
	}
}
