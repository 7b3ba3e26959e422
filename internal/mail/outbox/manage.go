package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Entry is what the console shows of a queued message: never its content.
type Entry struct {
	ID          string
	State       string
	Created     time.Time
	NextAttempt time.Time
	Attempts    int
	// LastError is the error of the last failed attempt, which names the
	// SMTP step and reply code but no address.
	LastError string
	// LeasedUntil is when a worker's lease on the message runs out; zero
	// when no worker holds it.
	LeasedUntil time.Time
	// Finished is when the message was sent, died or was discarded.
	Finished time.Time
}

// List returns up to limit messages in state, the earliest due first.
func (o *Outbox) List(ctx context.Context, state string, limit int) ([]Entry, error) {
	rows, err := o.db.QueryContext(ctx, o.q["list"], state, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: list %s messages: %w", state, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var leased, finished sql.NullTime
		if err := rows.Scan(&e.ID, &e.State, &e.Created, &e.NextAttempt, &e.Attempts, &e.LastError, &leased, &finished); err != nil {
			return nil, fmt.Errorf("outbox: list %s messages: %w", state, err)
		}
		e.LeasedUntil, e.Finished = leased.Time, finished.Time
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: list %s messages: %w", state, err)
	}
	return out, nil
}

// Retry makes the dead letter id pending again, due at once, with its
// attempts counted afresh. It returns ErrNotFound when id is not a dead
// letter.
func (o *Outbox) Retry(ctx context.Context, id string) error {
	return o.change(ctx, "retry", id)
}

// Discard deletes the content of the dead letter id, keeping its row as
// discarded. It returns ErrNotFound when id is not a dead letter.
func (o *Outbox) Discard(ctx context.Context, id string) error {
	return o.change(ctx, "discard", id)
}

func (o *Outbox) change(ctx context.Context, query, id string) error {
	res, err := o.db.ExecContext(ctx, o.q[query], id, o.now().UTC())
	if err != nil {
		return fmt.Errorf("outbox: %s message %s: %w", query, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("outbox: %s message %s: %w", query, id, err)
	}
	if n == 0 {
		return fmt.Errorf("outbox: %s message %s: %w", query, id, ErrNotFound)
	}
	return nil
}

// DeleteFinished deletes the messages sent, dead or discarded more than
// the retention ago, with a dead letter's sealed content, and returns how
// many it deleted. It is run periodically.
func (o *Outbox) DeleteFinished(ctx context.Context) (int64, error) {
	res, err := o.db.ExecContext(ctx, o.q["delete-finished"], o.now().UTC().Add(-o.retention))
	if err != nil {
		return 0, fmt.Errorf("outbox: delete finished messages: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("outbox: delete finished messages: %w", err)
	}
	return n, nil
}
