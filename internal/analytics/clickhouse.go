package analytics

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed queries/clickhouse/*.sql
var clickHouseQueryFiles embed.FS

// clickHouseQueries are the statements ClickHouseStore runs, by file name.
var clickHouseQueries = []string{
	"create-events", "write-events", "collect", "collect-totals", "collect-top", "span-visitors", "realtime", "retain-count", "retain", "retain-pending",
	"exists-event-days", "create-event-days", "backfill-event-days", "create-rollups", "create-rollup-days",
	"create-retention", "day-marks", "pending-days", "day-events", "write-rollups", "write-rollup-day",
	"write-retention", "retention", "read-rollups",
}

// ClickHouseStore keeps raw events in a ClickHouse table, with hourly and
// daily rollups of the complete UTC days that Maintain computes, so that
// several Noren instances can write to and read from one server or
// cluster. Queries read the rollups of the days whose events have not
// changed since, and raw events for the rest. It gives the same figures
// as SQLStore for the same events. It is safe for concurrent use.
type ClickHouseStore struct {
	conn driver.Conn
	q    map[string]string
}

var _ Store = (*ClickHouseStore)(nil)

// NewClickHouseStore connects to the ClickHouse server at dsn
// (clickhouse://user:password@host:9000/database?dial_timeout=5s …, as
// clickhouse-go parses it) and creates the events table if it is missing.
func NewClickHouseStore(ctx context.Context, dsn string) (*ClickHouseStore, error) {
	q, err := readClickHouseQueries()
	if err != nil {
		return nil, err
	}
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("analytics: clickhouse url: %w", err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("analytics: open clickhouse %s: %w", opts.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("analytics: connect to clickhouse %s: %w", opts.Addr, err)
	}
	s := &ClickHouseStore{conn: conn, q: q}
	if err := s.createTables(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("analytics: create the clickhouse tables: %w", err)
	}
	return s, nil
}

// createTables creates the tables that are missing, and counts the events
// of each day when the per-day counts are new to a table that may already
// hold events.
func (s *ClickHouseStore) createTables(ctx context.Context) error {
	if err := s.conn.Exec(ctx, s.q["create-events"]); err != nil {
		return err
	}
	var exists uint8
	if err := s.conn.QueryRow(ctx, s.q["exists-event-days"]).Scan(&exists); err != nil {
		return err
	}
	for _, name := range []string{"create-event-days", "create-rollups", "create-rollup-days", "create-retention"} {
		if err := s.conn.Exec(ctx, s.q[name]); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if exists == 0 {
		return s.conn.Exec(ctx, s.q["backfill-event-days"])
	}
	return nil
}

func readClickHouseQueries() (map[string]string, error) {
	q := make(map[string]string, len(clickHouseQueries))
	for _, name := range clickHouseQueries {
		b, err := fs.ReadFile(clickHouseQueryFiles, "queries/clickhouse/"+name+".sql")
		if err != nil {
			return nil, fmt.Errorf("analytics: clickhouse queries: %w", err)
		}
		q[name] = string(b)
	}
	return q, nil
}

// Close closes the store's connections.
func (s *ClickHouseStore) Close() error {
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("analytics: close clickhouse: %w", err)
	}
	return nil
}

// clickHouseTimeFrom and clickHouseTimeTo bound the times the events table
// holds: its time column is a ClickHouse DateTime, seconds from 1970 in 32
// unsigned bits.
var clickHouseTimeFrom, clickHouseTimeTo = time.Unix(0, 0), time.Unix(math.MaxUint32, 0)

// WriteEvents stores a batch of events as one INSERT. An error means none
// of it was stored, with one exception the server does not prevent: a
// batch spanning two calendar months is written as one part per month,
// and a server failing between the two keeps the first.
func (s *ClickHouseStore) WriteEvents(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		e := &events[i]
		if e.Site == "" {
			return fmt.Errorf("analytics: write events: event %d has no site", i)
		}
		if e.Time.Before(clickHouseTimeFrom) || !e.Time.Before(clickHouseTimeTo) {
			return fmt.Errorf("analytics: write events: event %d at %s is outside the years ClickHouse stores", i, e.Time.Format(time.RFC3339))
		}
		if e.Results < math.MinInt32 || e.Results > math.MaxInt32 {
			return fmt.Errorf("analytics: write events: event %d has %d results", i, e.Results)
		}
	}
	// As on the SQL store, an event from before the retention cut-off is
	// refused: its day's raw events are gone, so its figures could not
	// be counted right.
	var cut int64
	if err := s.conn.QueryRow(ctx, s.q["retention"]).Scan(&cut); err != nil {
		return fmt.Errorf("analytics: write %d events: read the retention cut-off: %w", len(events), err)
	}
	for i := range events {
		if t := events[i].Time; cut > 0 && t.Unix() < cut {
			return fmt.Errorf("%w: %s event of %s, raw events kept from %s", ErrTooOld, events[i].Site,
				t.UTC().Format(time.RFC3339), time.Unix(cut, 0).UTC().Format(time.DateOnly))
		}
	}
	batch, err := s.conn.PrepareBatch(ctx, s.q["write-events"])
	if err != nil {
		return fmt.Errorf("analytics: write %d events: %w", len(events), err)
	}
	for i := range events {
		e := &events[i]
		keys := make([]string, 0, len(e.Props))
		for k := range e.Props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		values := make([]string, len(keys))
		for j, k := range keys {
			values[j] = validUTF8(e.Props[k])
			keys[j] = validUTF8(k)
		}
		t := e.Time.UTC().Truncate(time.Microsecond)
		err := batch.Append(
			validUTF8(e.Site), t.Truncate(time.Second), t.UnixMicro(), validUTF8(e.Name), e.Visitor, e.Session,
			validUTF8(e.Path), validUTF8(e.Hostname), validUTF8(e.Referrer), validUTF8(e.Source), validUTF8(e.Medium),
			validUTF8(e.Campaign), validUTF8(e.Browser), validUTF8(e.BrowserVersion), validUTF8(e.OS), validUTF8(e.Device),
			validUTF8(e.Screen), validUTF8(e.Language), validUTF8(e.Country), validUTF8(e.Network), keys, values,
			validUTF8(e.Search), int32(e.Results), validUTF8(e.Link),
		)
		if err != nil {
			abortErr := batch.Abort()
			return fmt.Errorf("analytics: write %d events: event %d: %w", len(events), i, errors.Join(err, abortErr))
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("analytics: write %d events: %w", len(events), err)
	}
	return nil
}

// validUTF8 replaces each byte of v that is not valid UTF-8 with U+FFFD,
// as SQLStore's JSON encoding does, so that both backends count the same
// values.
func validUTF8(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Realtime returns the number of visitors seen on site in the 30 minutes
// up to now.
func (s *ClickHouseStore) Realtime(ctx context.Context, site string, now time.Time) (int64, error) {
	from := now.Add(-30 * time.Minute)
	var n uint64
	err := s.conn.QueryRow(ctx, s.q["realtime"],
		clickhouse.Named("site", site),
		clickhouse.Named("from_second", max(from.Unix(), 0)),
		clickhouse.Named("from", from.UnixMicro()),
		clickhouse.Named("to", now.UnixMicro()),
	).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("analytics: realtime visitors of %s: %w", site, err)
	}
	return int64(n), nil
}

// retainPoll is how often Retain looks whether its deletion has finished.
const retainPoll = 100 * time.Millisecond

// Retain deletes the events before the cut-off, rounded down to a UTC
// midnight so that every visitor day kept is whole, and returns how many
// it deleted. The rollups of the days already rolled up stay, and the days
// before the cut-off are never rolled up again; queries over days deleted
// before their rollup find nothing. ClickHouse deletes in the background
// (a mutation); Retain waits until it has finished, so that queries after
// it no longer see the events.
func (s *ClickHouseStore) Retain(ctx context.Context, before time.Time) (int64, error) {
	cut := max(rollupDayOf(before).Unix(), 0)
	mark, err := s.conn.PrepareBatch(ctx, s.q["write-retention"])
	if err != nil {
		return 0, fmt.Errorf("analytics: retain: record the cut-off: %w", err)
	}
	if err := mark.Append(time.Unix(cut, 0).UTC()); err != nil {
		return 0, fmt.Errorf("analytics: retain: record the cut-off: %w", errors.Join(err, mark.Abort()))
	}
	if err := mark.Send(); err != nil {
		return 0, fmt.Errorf("analytics: retain: record the cut-off: %w", err)
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, s.q["retain-count"], clickhouse.Named("before", cut)).Scan(&n); err != nil {
		return 0, fmt.Errorf("analytics: retain: count events: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.conn.Exec(ctx, s.q["retain"], clickhouse.Named("before", cut)); err != nil {
		return 0, fmt.Errorf("analytics: retain: delete events: %w", err)
	}
	tick := time.NewTicker(retainPoll)
	defer tick.Stop()
	for {
		var pending uint64
		if err := s.conn.QueryRow(ctx, s.q["retain-pending"]).Scan(&pending); err != nil {
			return int64(n), fmt.Errorf("analytics: retain: wait for the deletion: %w", err)
		}
		if pending == 0 {
			return int64(n), nil
		}
		select {
		case <-ctx.Done():
			return int64(n), fmt.Errorf("analytics: retain: wait for the deletion: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
