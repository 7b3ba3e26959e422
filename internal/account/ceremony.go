package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// Passkey ceremonies live in the database, not in one process, so that a
// ceremony begun on one instance of a fleet can be answered on any other.
// Each is stored under the hash of its key, which binds it to the browser
// that began it (a console session or a sign-in cookie), and is deleted by
// the statement that reads it, so that it is answered once in the fleet.

var (
	// ErrTooManyCeremonies is returned by PutCeremony when the limit of
	// ceremonies in progress is reached.
	ErrTooManyCeremonies = errors.New("account: too many passkey ceremonies in progress")
	// ErrNoCeremony is returned by TakeCeremony when the key has no
	// ceremony in progress: it expired, or was answered already.
	ErrNoCeremony = errors.New("account: no passkey ceremony in progress")
)

// Ceremony is a passkey ceremony in progress: the relying party's state
// between the challenge it sent and the browser's answer.
type Ceremony struct {
	// UserID is the account the ceremony is for; 0 for a passwordless
	// sign-in, whose account is known only from the answer.
	UserID int64
	// Name is the name of a passkey being registered.
	Name string
	// Next is where a sign-in goes when done.
	Next string
	// Data is the relying party's state, as JSON; it is opaque here.
	Data []byte
	// Expires is when the ceremony ends unanswered.
	Expires time.Time
}

// PutCeremony stores c under key, replacing the key's earlier ceremony, and
// deletes the ceremonies that have expired. It refuses with
// ErrTooManyCeremonies when limit ceremonies of other keys are in progress,
// so that anonymous requests to begin a passwordless sign-in cannot fill
// the database. On PostgreSQL concurrent calls may each see room, so the
// limit can be passed by as many calls as run at once.
func (s *Store) PutCeremony(ctx context.Context, key string, c Ceremony, limit int, now time.Time) error {
	hash := HashSecret(key)
	user := sql.NullInt64{Int64: c.UserID, Valid: c.UserID != 0}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, s.query("delete-expired-ceremonies"), now); err != nil {
			return fmt.Errorf("delete expired: %w", err)
		}
		var others int
		if err := tx.QueryRowContext(ctx, s.query("count-other-ceremonies"), hash).Scan(&others); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if others >= limit {
			return ErrTooManyCeremonies
		}
		if _, err := tx.ExecContext(ctx, s.query("put-ceremony"), hash, user, c.Name, c.Next, string(c.Data), c.Expires); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrTooManyCeremonies) {
		return fmt.Errorf("account: put passkey ceremony: %w", err)
	}
	return err
}

// TakeCeremony removes the ceremony of key and returns it, or
// ErrNoCeremony when there is none that has not expired at now. A ceremony
// is taken once: a second answer to the same challenge, on this instance
// or another, finds nothing.
func (s *Store) TakeCeremony(ctx context.Context, key string, now time.Time) (Ceremony, error) {
	var (
		c    Ceremony
		user sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, s.query("take-ceremony"), HashSecret(key)).Scan(&user, &c.Name, &c.Next, &c.Data, &c.Expires)
	if errors.Is(err, store.ErrNotFound) {
		return Ceremony{}, ErrNoCeremony
	}
	if err != nil {
		return Ceremony{}, fmt.Errorf("account: take passkey ceremony: %w", err)
	}
	if !now.Before(c.Expires) {
		return Ceremony{}, ErrNoCeremony
	}
	c.UserID = user.Int64
	return c, nil
}
