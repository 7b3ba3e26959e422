package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/noren-web/noren/internal/analytics"
)

// mutationPoll is how often the store looks whether a deletion has
// finished.
const mutationPoll = 100 * time.Millisecond

// removeBatch bounds the versions one deletion of rollup rows names, to
// keep the statement well under the server's max_query_size.
const removeBatch = 1000

// Retain deletes the events before the cut-off, rounded down to a UTC
// midnight so that every visitor day kept is whole, and returns how many
// it deleted. The rollups of the days already rolled up stay, and the days
// before the cut-off are never rolled up again; queries over days deleted
// before their rollup find nothing. ClickHouse deletes in the background
// (a mutation, on every shard of a cluster); Retain waits until it has
// finished, so that queries after it no longer see the events. It then
// removes the rollup versions that newer ones replaced (see
// RemoveReplacedRollups).
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
	if n > 0 {
		if err := s.mutate(ctx, "analytics_events", s.q["retain"], ch.Named("before", cut)); err != nil {
			return fail(n, "delete events", err)
		}
	}
	if _, err := s.RemoveReplacedRollups(ctx, time.Now()); err != nil {
		return int64(n), err
	}
	return int64(n), nil
}

// RemoveReplacedRollups deletes the rows of the rollup versions that a
// newer rollup of their day replaced at least an hour before now, and of
// those written that long ago whose rollup never finished, and returns
// how many versions it removed. Each rollup of a day writes its rows
// under a new version and keeps the old ones for the queries that chose
// them; this is what removes them. The small rows naming each version in
// analytics_rollup_days stay.
func (s *Store) RemoveReplacedRollups(ctx context.Context, now time.Time) (int, error) {
	settled := now.Add(-s.settle)
	fail := func(err error) (int, error) {
		return 0, fmt.Errorf("clickhouse: remove rollups replaced before %s: %w", settled.UTC().Format(time.RFC3339), err)
	}
	rows, err := s.conn.Query(ctx, s.q["replaced-rollups"], ch.Named("settled", uint64(max(settled.UnixNano(), 0))))
	if err != nil {
		return fail(err)
	}
	var versions []string
	for rows.Next() {
		var v uint64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fail(err)
		}
		versions = append(versions, strconv.FormatUint(v, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	for i := 0; i < len(versions); i += removeBatch {
		batch := versions[i:min(i+removeBatch, len(versions))]
		remove := strings.ReplaceAll(s.q["remove-rollups"], "/*versions*/", strings.Join(batch, ","))
		if err := s.mutate(ctx, "analytics_rollups", remove); err != nil {
			return fail(fmt.Errorf("delete %d versions: %w", len(batch), err))
		}
	}
	return len(versions), nil
}

// mutate runs a mutation of table (ALTER TABLE … DELETE) on the table of
// every shard, which a Distributed table does not pass on, and waits until
// every shard has carried it out.
func (s *Store) mutate(ctx context.Context, table, statement string, args ...any) error {
	local := table + s.local
	for i, shard := range s.shards {
		if err := shard.Exec(ctx, statement, args...); err != nil {
			return fmt.Errorf("shard %s: %w", s.shardAddrs[i], err)
		}
	}
	for i, shard := range s.shards {
		if err := s.awaitMutations(ctx, shard, local); err != nil {
			return fmt.Errorf("shard %s: wait for the deletion: %w", s.shardAddrs[i], err)
		}
	}
	return nil
}

// awaitMutations waits until the server has no mutation of table left to
// do.
func (s *Store) awaitMutations(ctx context.Context, conn driver.Conn, table string) error {
	tick := time.NewTicker(mutationPoll)
	defer tick.Stop()
	for {
		var pending uint64
		if err := conn.QueryRow(ctx, s.q["mutations-pending"], ch.Named("table", table)).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
