package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
)

// retainPoll is how often Retain looks whether its deletion has finished.
const retainPoll = 100 * time.Millisecond

// Retain deletes the events before the cut-off, rounded down to a UTC
// midnight so that every visitor day kept is whole, and returns how many
// it deleted. The rollups of the days already rolled up stay, and the days
// before the cut-off are never rolled up again; queries over days deleted
// before their rollup find nothing. ClickHouse deletes in the background
// (a mutation); Retain waits until it has finished, so that queries after
// it no longer see the events.
func (s *Store) Retain(ctx context.Context, before time.Time) (int64, error) {
	cut := max(analytics.UTCDay(before).Unix(), 0)
	day := time.Unix(cut, 0).UTC()
	fail := func(n uint64, step string, err error) (int64, error) {
		return int64(n), fmt.Errorf("clickhouse: retain, cut-off %s: %s: %w", day.Format(time.DateOnly), step, err)
	}
	mark, err := s.conn.PrepareBatch(ctx, s.q["write-retention"])
	if err != nil {
		return fail(0, "record the cut-off", err)
	}
	if err := mark.Append(day); err != nil {
		return fail(0, "record the cut-off", errors.Join(err, mark.Abort()))
	}
	if err := mark.Send(); err != nil {
		return fail(0, "record the cut-off", err)
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, s.q["retain-count"], ch.Named("before", cut)).Scan(&n); err != nil {
		return fail(0, "count events", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.conn.Exec(ctx, s.q["retain"], ch.Named("before", cut)); err != nil {
		return fail(0, "delete events", err)
	}
	tick := time.NewTicker(retainPoll)
	defer tick.Stop()
	for {
		var pending uint64
		if err := s.conn.QueryRow(ctx, s.q["retain-pending"]).Scan(&pending); err != nil {
			return fail(n, "wait for the deletion", err)
		}
		if pending == 0 {
			return int64(n), nil
		}
		select {
		case <-ctx.Done():
			return fail(n, "wait for the deletion", ctx.Err())
		case <-tick.C:
		}
	}
}
