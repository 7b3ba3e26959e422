package analytics

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// saltSize is the length of a daily salt, the key of the visitor hash.
const saltSize = 32

// dayLayout names a UTC day in the analytics_salts table.
const dayLayout = "2006-01-02"

// The salt queries are plain enough to read in place, and the same on both
// backends; ON CONFLICT DO NOTHING lets every instance offer a salt and
// then all of them read the one that won.
const (
	insertSaltQuery = `INSERT INTO analytics_salts (day, salt, created_at) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING`
	selectSaltQuery = `SELECT salt FROM analytics_salts WHERE day = $1`
	deleteSaltQuery = `DELETE FROM analytics_salts WHERE day < $1`
)

// salts hands out the random salt of each UTC day, shared through the
// database by every collector instance and cached in memory. Only today's
// and yesterday's salts exist at any time (yesterday's for events that
// straddle midnight between instances whose clocks differ a little), so a
// visitor id cannot be recomputed, nor linked to another day's, once its
// day is over.
type salts struct {
	db *store.DB

	// current is the key of the newest day asked for, read without the
	// lock by every event of that day.
	current atomic.Pointer[visitorKey]

	mu     sync.Mutex
	byDay  map[string]*visitorKey
	pruned string // the day before which the table was last pruned
}

func newSalts(db *store.DB) *salts {
	return &salts{db: db, byDay: make(map[string]*visitorKey)}
}

// forDay returns the visitor key of t's UTC day, creating the day's salt
// when no instance has yet. The first call of a day also deletes the salts
// before yesterday, from the table and the cache.
func (s *salts) forDay(ctx context.Context, t time.Time) (*visitorKey, error) {
	t = t.UTC()
	if k := s.current.Load(); k != nil && k.covers(t) {
		return k, nil
	}
	day := t.Format(dayLayout)
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.byDay[day]; ok {
		return k, nil
	}
	salt, err := s.load(ctx, day, t)
	if err != nil {
		return nil, err
	}
	k := newVisitorKey(t, salt)
	s.byDay[day] = k
	if cur := s.current.Load(); cur == nil || cur.start.Before(k.start) {
		s.current.Store(k)
	}
	if err := s.prune(ctx, t); err != nil {
		return nil, err
	}
	return k, nil
}

// load offers a fresh salt for day and reads back the one stored, which is
// another instance's when it got there first.
func (s *salts) load(ctx context.Context, day string, now time.Time) ([]byte, error) {
	offer := make([]byte, saltSize)
	if _, err := rand.Read(offer); err != nil {
		return nil, fmt.Errorf("analytics: make salt for %s: %w", day, err)
	}
	if _, err := s.db.ExecContext(ctx, insertSaltQuery, day, offer, now.UTC()); err != nil {
		return nil, fmt.Errorf("analytics: store salt for %s: %w", day, err)
	}
	var salt []byte
	if err := s.db.QueryRowContext(ctx, selectSaltQuery, day).Scan(&salt); err != nil {
		return nil, fmt.Errorf("analytics: read salt for %s: %w", day, err)
	}
	if len(salt) != saltSize {
		return nil, fmt.Errorf("analytics: salt for %s has %d bytes, want %d", day, len(salt), saltSize)
	}
	return salt, nil
}

// prune deletes every salt older than yesterday, relative to now, from the
// table and the cache. It runs once per day per instance, as each instance
// reaches a new day; the collector also calls it every minute, through
// rotate, so that a quiet site's old salt does not outlive its day by more
// than that.
func (s *salts) prune(ctx context.Context, now time.Time) error {
	yesterday := now.UTC().AddDate(0, 0, -1).Format(dayLayout)
	if s.pruned >= yesterday {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, deleteSaltQuery, yesterday); err != nil {
		return fmt.Errorf("analytics: delete salts before %s: %w", yesterday, err)
	}
	for day := range s.byDay {
		if day < yesterday {
			delete(s.byDay, day)
		}
	}
	s.pruned = yesterday
	return nil
}

// rotate makes sure the salt of now's day exists and that older ones are
// gone, without waiting for an event to ask for it.
func (s *salts) rotate(ctx context.Context, now time.Time) error {
	if _, err := s.forDay(ctx, now); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prune(ctx, now)
}
