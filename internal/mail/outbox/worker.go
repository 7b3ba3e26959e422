package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/store"
)

// Defaults of a Worker.
const (
	DefaultInterval    = 2 * time.Second
	DefaultBatch       = 20
	DefaultSendTimeout = time.Minute
	// DefaultMaxAttempts and DefaultMaxAge bound the retries: with the
	// back-off capped at an hour they are reached at about the same time.
	DefaultMaxAttempts = 30
	DefaultMaxAge      = 24 * time.Hour
)

// The back-off between attempts: firstDelay after the first failure,
// doubling up to maxDelay.
const (
	firstDelay = 30 * time.Second
	maxDelay   = time.Hour
)

// maxErrorLen bounds the error kept of a failed attempt.
const maxErrorLen = 500

// Mailer delivers one message; *mail.Sender and *mail.Folder are two.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// WorkerOptions configures a Worker.
type WorkerOptions struct {
	// Mailer sends the messages.
	Mailer Mailer
	// Owner names this worker in the leases it takes; it must differ
	// between instances. Empty means a random name.
	Owner string
	// Interval between polls of the queue; DefaultInterval when zero.
	Interval time.Duration
	// Batch is how many messages one poll leases; DefaultBatch when zero.
	Batch int
	// SendTimeout bounds one message's delivery; DefaultSendTimeout when
	// zero. A lease lasts Batch × SendTimeout and a minute more, so it
	// outlives the sends of a live worker.
	SendTimeout time.Duration
	// MaxAttempts and MaxAge make a message a dead letter once it has
	// failed that many times or waited that long since it was queued;
	// DefaultMaxAttempts and DefaultMaxAge when zero.
	MaxAttempts int
	MaxAge      time.Duration
}

// Worker sends the queue's due messages. Any number of workers, in one
// process or several sharing the database, may run at once: each message
// is leased by one of them at a time.
type Worker struct {
	o   *Outbox
	opt WorkerOptions
}

// NewWorker returns a worker sending o's messages through opt.Mailer.
func (o *Outbox) NewWorker(opt WorkerOptions) (*Worker, error) {
	if opt.Mailer == nil {
		return nil, errors.New("outbox: worker: no mailer")
	}
	if opt.Owner == "" {
		opt.Owner = strings.ToLower(rand.Text())[:16]
	}
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = DefaultSendTimeout
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = DefaultMaxAge
	}
	return &Worker{o: o, opt: opt}, nil
}

// Run sends due messages every Interval until ctx is done, logging what
// fails; it returns nil when ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.opt.Interval)
	defer t.Stop()
	for {
		if _, err := w.SendDue(ctx); err != nil && ctx.Err() == nil {
			w.o.log.Error("mail outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// leased is a message this worker holds the lease of.
type leased struct {
	id       string
	attempts int // including the one under way
	created  time.Time
	kekID    sql.NullString
	key      []byte
	content  []byte
}

// SendDue leases up to Batch due messages, sends them one after another and
// records the outcome of each; it returns how many were sent. It repeats
// until fewer than Batch were due, so that a backlog drains at once.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	total := 0
	for {
		batch, err := w.lease(ctx)
		if err != nil {
			return total, err
		}
		var errs []error
		for _, l := range batch {
			sent, err := w.send(ctx, l)
			if sent {
				total++
			}
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			return total, err
		}
		if len(batch) < w.opt.Batch || ctx.Err() != nil {
			return total, nil
		}
	}
}

// lease takes the lease of due messages whose lease, if any, has run out.
// On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent workers lease
// different messages without waiting for each other; on SQLite the
// transaction holds the only writer.
func (w *Worker) lease(ctx context.Context) ([]leased, error) {
	now := w.o.now().UTC()
	until := now.Add(time.Duration(w.opt.Batch)*w.opt.SendTimeout + time.Minute)
	var out []leased
	err := w.o.db.Tx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, w.o.q["lease"], now, w.opt.Batch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l leased
			if err := rows.Scan(&l.id, &l.attempts, &l.created, &l.kekID, &l.key, &l.content); err != nil {
				return err
			}
			l.attempts++
			out = append(out, l)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, l := range out {
			if _, err := tx.ExecContext(ctx, w.o.q["take-lease"], l.id, w.opt.Owner, until); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: lease due messages: %w", err)
	}
	return out, nil
}

// send delivers one leased message and records the outcome. Recording is
// done even when ctx has ended, so that a message the server accepted is
// not sent again; the one case left is a "sent" mark that fails after the
// server accepted the message, which is then sent again once its lease
// runs out.
func (w *Worker) send(ctx context.Context, l leased) (bool, error) {
	m, err := w.o.message(l)
	if err != nil {
		// Content this instance cannot open may open on another, whose
		// keys are complete: it is retried as a failed delivery is, and
		// dies at the same bounds.
		return false, w.fail(ctx, l, err, false)
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.opt.SendTimeout)
	err = w.opt.Mailer.Send(sendCtx, m)
	cancel()
	if err != nil {
		return false, w.fail(ctx, l, err, permanent(err))
	}
	res, err := w.o.db.ExecContext(context.WithoutCancel(ctx), w.o.q["mark-sent"], l.id, w.opt.Owner, w.o.now().UTC())
	if err != nil {
		return true, fmt.Errorf("outbox: mark message %s sent: %w", l.id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		w.o.log.Warn("mail outbox: a message was sent after its lease ran out; another worker may send it too", "message", l.id)
	}
	return true, nil
}

// fail records a failed attempt: the next one after a back-off, or a dead
// letter once the bounds are reached or the failure is permanent.
func (w *Worker) fail(ctx context.Context, l leased, cause error, final bool) error {
	now := w.o.now().UTC()
	next := now.Add(Backoff(l.attempts, jitter))
	state := Pending
	var finished sql.NullTime
	if final || l.attempts >= w.opt.MaxAttempts || !next.Before(l.created.Add(w.opt.MaxAge)) {
		state, next, finished = Dead, now, sql.NullTime{Time: now, Valid: true}
	}
	text := cause.Error()
	if len(text) > maxErrorLen {
		text = text[:maxErrorLen]
	}
	_, err := w.o.db.ExecContext(context.WithoutCancel(ctx), w.o.q["mark-failed"], l.id, w.opt.Owner, state, next, text, finished)
	if err != nil {
		return fmt.Errorf("outbox: record failed attempt %d of message %s: %w", l.attempts, l.id, err)
	}
	if state == Dead {
		w.o.log.Warn("mail outbox: a message is a dead letter", "message", l.id, "attempts", l.attempts, "err", cause)
	} else {
		w.o.log.Info("mail outbox: sending failed; will retry", "message", l.id, "attempts", l.attempts, "next", next, "err", cause)
	}
	return nil
}

// message opens a leased message's content.
func (o *Outbox) message(l leased) (mail.Message, error) {
	plain := l.content
	if l.kekID.Valid {
		if o.keys == nil {
			return mail.Message{}, fmt.Errorf("outbox: message %s is sealed and there are no vault keys", l.id)
		}
		var err error
		if plain, err = open(o.keys, l.id, l.kekID.String, l.key, l.content); err != nil {
			return mail.Message{}, fmt.Errorf("outbox: message %s: %w", l.id, err)
		}
	}
	var m mail.Message
	if err := json.Unmarshal(plain, &m); err != nil {
		return mail.Message{}, fmt.Errorf("outbox: message %s: decode: %w", l.id, err)
	}
	return m, nil
}

// permanent reports a refusal the server says will not change: a 5xx reply
// (RFC 5321 4.2.1). Anything else, a 4xx reply or no connection, is worth
// another attempt.
func permanent(err error) bool {
	d, ok := errors.AsType[*mail.DeliveryError](err)
	return ok && d.Code >= 500 && d.Code < 600
}

// Backoff returns the wait after the failed attempt number attempt (1 for
// the first): 30 seconds doubling up to an hour, spread by jitter so that
// the messages of one outage do not all come back at the same instant.
// jitter maps a delay d to one in [d/2, d].
func Backoff(attempt int, jitter func(time.Duration) time.Duration) time.Duration {
	d := firstDelay
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	return jitter(d)
}

// jitter returns a uniformly random delay in [d/2, d].
func jitter(d time.Duration) time.Duration {
	half := int64(d / 2)
	n, err := rand.Int(rand.Reader, big.NewInt(half+1))
	if err != nil {
		return d
	}
	return time.Duration(half + n.Int64())
}
