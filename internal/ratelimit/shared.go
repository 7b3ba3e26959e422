package ratelimit

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Shared keeps the counts of its Windows, and the secrets of the days they
// are keyed under, in the database, so that every instance on one database
// counts together and a restart forgets nothing. Each of its Windows has a
// Window in memory in front (see the package doc). It is safe for
// concurrent use.
type Shared struct {
	db   *store.DB
	q    map[string]string
	keys *keyer
}

// NewShared returns a Shared on db, which must be migrated.
func NewShared(db *store.DB) (*Shared, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("ratelimit: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	s := &Shared{db: db, q: q}
	s.keys = &keyer{secret: s.secret}
	return s, nil
}

// Window returns a Window of limit events per window, counted with every
// other Window of the same scope on the database, whichever instance holds
// it. Each limit needs a scope of its own: two limits of one scope count
// into one another.
func (s *Shared) Window(scope string, limit int, window time.Duration) *Window {
	return &Window{
		limit:  limit,
		window: window,
		store:  &table{shared: s, scope: scope},
		keys:   s.keys,
		local:  NewWindow(limit, window, NewMemory(0)),
	}
}

// Sweep deletes the counts whose windows have all ended at now, and the
// secrets of the days before the day before now's, which no instance uses
// any more.
func (s *Shared) Sweep(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q["sweep"], now.UnixMicro()); err != nil {
		return fmt.Errorf("ratelimit: delete the ended counts: %w", err)
	}
	yesterday := utcDay(now).Add(-day).Format(dayLayout)
	if _, err := s.db.ExecContext(ctx, s.q["delete-secrets"], yesterday); err != nil {
		return fmt.Errorf("ratelimit: delete the secrets before %s: %w", yesterday, err)
	}
	return nil
}

// table is the Store of one scope of a Shared. Its times are microseconds
// in the database, so that the upsert of add.sql can do their arithmetic
// on both backends.
type table struct {
	shared *Shared
	scope  string
}

// Count returns key's Counts at now.
func (t *table) Count(ctx context.Context, key Key, now time.Time, window time.Duration) (Counts, error) {
	var started, current, previous int64
	err := t.shared.db.QueryRowContext(ctx, t.shared.q["count"], t.scope, key[:]).Scan(&started, &current, &previous)
	if errors.Is(err, store.ErrNotFound) {
		return Counts{}, nil
	}
	if err != nil {
		return Counts{}, fmt.Errorf("read the counts of %s: %w", t.scope, err)
	}
	return counts(started, current, previous).At(now, window), nil
}

// Add counts an event of key at now and returns key's Counts with it.
func (t *table) Add(ctx context.Context, key Key, now time.Time, window time.Duration) (Counts, error) {
	at, w := now.UnixMicro(), window.Microseconds()
	var started, current, previous int64
	err := t.shared.db.QueryRowContext(ctx, t.shared.q["add"], t.scope, key[:], at, at-w, at-2*w, w, at+2*w).
		Scan(&started, &current, &previous)
	if err != nil {
		return Counts{}, fmt.Errorf("count an event of %s: %w", t.scope, err)
	}
	return counts(started, current, previous), nil
}

func counts(started, current, previous int64) Counts {
	return Counts{Start: time.UnixMicro(started).UTC(), Current: int(current), Previous: int(previous)}
}
