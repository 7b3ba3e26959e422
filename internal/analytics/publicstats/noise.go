package publicstats

import (
	"context"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// noiseStore keeps the noise drawn for each figure in the database, where
// every instance and every restart finds it.
type noiseStore struct {
	db      *store.DB
	queries map[string]string
}

// newNoiseStore returns the noise store of db, which must be migrated.
func newNoiseStore(db *store.DB) (*noiseStore, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("publicstats: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("publicstats: %w", err)
	}
	return &noiseStore{db: db, queries: q}, nil
}

// source returns the noise of a computation of the site's period p at
// epsilon whose range ends at to, with the draws a page ending then can
// show loaded already.
func (s *noiseStore) source(ctx context.Context, site string, p period, epsilon float64, to time.Time, random io.Reader) (*noiseSource, error) {
	n := &noiseSource{store: s, site: site, period: p, epsilon: epsilon, random: random, draws: map[string]float64{}}
	rows, err := s.db.QueryContext(ctx, s.queries["noise-draws"], site, string(p), epsilon, to)
	if err != nil {
		return nil, fmt.Errorf("publicstats: read the noise of %s: %w", p, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			figure string
			v      float64
		)
		if err := rows.Scan(&figure, &v); err != nil {
			return nil, fmt.Errorf("publicstats: read the noise of %s: %w", p, err)
		}
		n.draws[figure] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("publicstats: read the noise of %s: %w", p, err)
	}
	return n, nil
}

// keep stores v as the noise of figure unless another draw was stored
// first, and returns the one stored.
func (s *noiseStore) keep(ctx context.Context, site string, p period, figure string, epsilon, v float64, until time.Time) (float64, error) {
	var stored float64
	err := s.db.QueryRowContext(ctx, s.queries["keep-noise"], site, string(p), figure, epsilon, v, until).Scan(&stored)
	if err != nil {
		return 0, fmt.Errorf("publicstats: keep the noise of %s: %w", figure, err)
	}
	return stored, nil
}

// prune forgets the noise of the site's period that no page ending at or
// after cutoff can show.
func (s *noiseStore) prune(ctx context.Context, site string, p period, cutoff time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.queries["prune-noise"], site, string(p), cutoff); err != nil {
		return fmt.Errorf("publicstats: forget the noise of %s: %w", p, err)
	}
	return nil
}

// noiseSource draws Laplace noise of scale 1/epsilon for one computation
// of a period's figures, once per figure: a figure asked for again gets
// the draw it got before, on this instance or another, before a restart or
// after, so that a reader who reloads the page, or reads the same day's
// bar on the next day's page, sees the same number and cannot average the
// noise away.
type noiseSource struct {
	store   *noiseStore
	site    string
	period  period
	epsilon float64
	random  io.Reader
	// draws holds the noise stored for the figures the computation may
	// ask for, and those it drew.
	draws map[string]float64
}

// draw returns the noise of the figure called key, which no page ending
// after until shows.
func (n *noiseSource) draw(ctx context.Context, key string, until time.Time) (float64, error) {
	if v, ok := n.draws[key]; ok {
		return v, nil
	}
	v, err := laplace(n.random, 1/n.epsilon)
	if err != nil {
		return 0, err
	}
	if v, err = n.store.keep(ctx, n.site, n.period, key, n.epsilon, v, until); err != nil {
		return 0, err
	}
	n.draws[key] = v
	return v, nil
}

// laplace returns a sample of the Laplace distribution of mean 0 and the
// given scale, by inverting its distribution function at a uniform point
// of (-1/2, 1/2) read from random.
func laplace(random io.Reader, scale float64) (float64, error) {
	var b [8]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return 0, fmt.Errorf("publicstats: read noise: %w", err)
	}
	// 53 random bits, offset by half a step, give a uniform point of the
	// open interval (0, 1): never 0, whose logarithm is infinite.
	u := (float64(binary.BigEndian.Uint64(b[:])>>11)+0.5)/(1<<53) - 0.5
	return -scale * math.Copysign(1, u) * math.Log(1-2*math.Abs(u)), nil
}
