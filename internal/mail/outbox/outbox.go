// Package outbox is Noren's durable queue of outgoing e-mail. A message is
// written in the same database transaction as what it announces, so it
// exists exactly when that does, and a Worker on any instance sends it
// later, retrying with back-off through an outage of the mail server and
// setting aside as a dead letter what cannot be delivered.
//
// Messages hold personal data (addresses, links, what a person asked). With
// the vault's keys they are sealed at rest, and their content is deleted
// once sent; what stays (id, state, times, attempts, the last error) tells
// nothing about the person.
package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// The states of a message.
const (
	// Pending messages wait for their next attempt.
	Pending = "pending"
	// Sent messages were accepted by the mail server; their content is gone.
	Sent = "sent"
	// Dead letters are no longer retried; their content is kept, sealed,
	// until the owner retries or discards them or the retention ends.
	Dead = "dead"
	// Discarded messages were dead letters the owner gave up; their
	// content is gone.
	Discarded = "discarded"
)

// States lists every state, in the order the console and metrics show them.
var States = []string{Pending, Sent, Dead, Discarded}

// DefaultRetention is how long a message's row is kept after it was sent,
// died or was discarded: a dead letter's sealed content is deleted with it.
const DefaultRetention = 30 * 24 * time.Hour

// ErrNotFound is returned by Retry and Discard when no dead letter has the
// id.
var ErrNotFound = errors.New("outbox: no such dead letter")

// Options configures an Outbox.
type Options struct {
	// DB holds the mail_outbox table; it must be migrated.
	DB *store.DB
	// Keys seal the messages at rest; nil keeps them in the clear, for a
	// site without vault keys (which then has no data-subject requests).
	Keys *vault.Keys
	// Retention is DefaultRetention when zero.
	Retention time.Duration
	// Now is time.Now when nil.
	Now func() time.Time
	// Logger is slog.Default() when nil.
	Logger *slog.Logger
}

// Outbox is the queue. It is safe for concurrent use.
type Outbox struct {
	db        *store.DB
	keys      *vault.Keys
	q         map[string]string
	retention time.Duration
	now       func() time.Time
	log       *slog.Logger
}

// New returns the outbox in opt.DB.
func New(opt Options) (*Outbox, error) {
	if opt.DB == nil {
		return nil, errors.New("outbox: no database")
	}
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("outbox: queries: %w", err)
	}
	q, err := opt.DB.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o := &Outbox{db: opt.DB, keys: opt.Keys, q: q, retention: opt.Retention, now: opt.Now, log: opt.Logger}
	if o.retention <= 0 {
		o.retention = DefaultRetention
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	return o, nil
}

// Enqueue writes m to the queue inside tx, due at once, and returns its
// id. The message is sent only if tx commits. m is checked as the Sender
// would check it, so that a message that can never be sent fails the
// transaction instead of dying later.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, m mail.Message) (string, error) {
	what := "outbox: enqueue message to " + mail.CountRecipients(len(m.To))
	if err := mail.Check(m); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	id := strings.ToLower(rand.Text())
	plain, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	var kekID any
	var sealedKey []byte
	content := plain
	if o.keys != nil {
		var k string
		if k, sealedKey, content, err = seal(o.keys, id, plain); err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		kekID = k
	}
	if _, err := tx.ExecContext(ctx, o.q["enqueue"], id, o.now().UTC(), kekID, sealedKey, content); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return id, nil
}

// Backlog returns how many messages wait to be sent and the earliest time
// one of them is due (zero when none waits). A due time long past means no
// worker is sending.
func (o *Outbox) Backlog(ctx context.Context) (pending int, oldestDue time.Time, err error) {
	if err := o.db.QueryRowContext(ctx, o.q["backlog-count"]).Scan(&pending); err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox: count pending messages: %w", err)
	}
	if pending == 0 {
		return 0, time.Time{}, nil
	}
	err = o.db.QueryRowContext(ctx, o.q["backlog-oldest"]).Scan(&oldestDue)
	if errors.Is(err, sql.ErrNoRows) {
		// Sent between the two queries.
		return pending, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox: find the oldest pending message: %w", err)
	}
	return pending, oldestDue, nil
}

// Counts returns how many messages are in each state.
func (o *Outbox) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := o.db.QueryContext(ctx, o.q["counts"])
	if err != nil {
		return nil, fmt.Errorf("outbox: count messages: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int, len(States))
	for _, s := range States {
		out[s] = 0
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("outbox: count messages: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: count messages: %w", err)
	}
	return out, nil
}
