package analytics

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// sqliteTime is the layout package store keeps times in on SQLite: UTC,
// fixed width, microseconds. Batches inserted as JSON bypass the store's
// argument conversion, so they format times themselves.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// ErrRawExpired is returned by a query that needs raw events older than the
// retention kept: one filtered on two dimensions, or a breakdown filtered
// on another dimension, over a range reaching back before the cut-off.
var ErrRawExpired = errors.New("analytics: the raw events this query needs have been deleted by retention")

// ErrTooOld is returned by WriteEvents for a batch holding an event from a
// day whose raw events retention has already deleted: its rollups could no
// longer be recomputed.
var ErrTooOld = errors.New("analytics: event older than the retained raw events")

// SQLStore keeps events and their rollups in Noren's SQLite or PostgreSQL
// database. It is safe for concurrent use.
type SQLStore struct {
	db *store.DB
	q  map[string]string
	// rollups counts Rollup's runs, to start each with another site.
	rollups atomic.Uint64
	// budget bounds the time of one Rollup.
	budget time.Duration
}

var (
	_ Store = (*SQLStore)(nil)
)

// NewSQLStore returns the store kept in db, which must be migrated.
func NewSQLStore(db *store.DB) (*SQLStore, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("analytics: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	for _, name := range []string{
		"insert-events", "upsert-site", "rewind-site", "advance-site", "lock-site", "site", "sites",
		"first-event", "events", "visitor-events", "delete-events", "retain-site", "realtime",
		"insert-hourly", "insert-daily", "delete-hourly", "delete-daily",
		"rollup-hours", "rollup-totals", "rollup-top", "count-events",
	} {
		if q[name] == "" {
			return nil, fmt.Errorf("analytics: no query %s", name)
		}
	}
	return &SQLStore{db: db, q: q, budget: defaultRollupBudget}, nil
}

// siteMarks are a site's row in analytics_sites.
type siteMarks struct {
	// rolledUntil is the instant up to which the hourly rollups count
	// everything; the hour holding it has rows for its beginning only.
	rolledUntil time.Time
	// rawFrom is the start of the oldest UTC day whose raw events are all
	// kept.
	rawFrom time.Time
}

// WriteEvents stores a batch of events in one transaction: all of it or,
// on error, none. Events may belong to several sites. An event older than
// the site's rollups (one that arrived late) marks the rollups of its UTC
// day out of date, so that the next Rollup recomputes them; one from a day
// that retention has already thinned is refused with ErrTooOld.
func (s *SQLStore) WriteEvents(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	oldest := make(map[string]time.Time)
	for i := range events {
		e := &events[i]
		if e.Site == "" {
			return fmt.Errorf("analytics: write events: event %d has no site", i)
		}
		if t, ok := oldest[e.Site]; !ok || e.Time.Before(t) {
			oldest[e.Site] = e.Time
		}
	}
	batch, err := s.encodeEvents(events)
	if err != nil {
		return err
	}
	sites := make([]string, 0, len(oldest))
	for site := range oldest {
		sites = append(sites, site)
	}
	// A fixed order keeps two batches from locking the same sites in
	// opposite orders on PostgreSQL.
	sort.Strings(sites)
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, site := range sites {
			var m siteMarks
			if err := tx.QueryRowContext(ctx, s.q["upsert-site"], site, time.Time{}).Scan(&m.rolledUntil, &m.rawFrom); err != nil {
				return fmt.Errorf("register site %s: %w", site, err)
			}
			t := oldest[site].UTC()
			if t.Before(m.rawFrom) {
				return fmt.Errorf("%w: %s event of %s, raw events kept from %s", ErrTooOld, site, t.Format(time.RFC3339), m.rawFrom.Format(time.DateOnly))
			}
			if t.Before(m.rolledUntil) {
				if _, err := tx.ExecContext(ctx, s.q["rewind-site"], site, UTCDay(t)); err != nil {
					return fmt.Errorf("mark rollups of %s out of date: %w", site, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, s.q["insert-events"], batch); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("analytics: write %d events: %w", len(events), err)
	}
	return nil
}

// encodeEvents renders events as the JSON array of arrays that the
// insert-events query unpacks, with columns in its order.
func (s *SQLStore) encodeEvents(events []Event) (string, error) {
	buf := make([]byte, 0, 320*len(events))
	buf = append(buf, '[')
	for i := range events {
		e := &events[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		props := []byte("{}")
		if len(e.Props) > 0 {
			var err error
			if props, err = json.Marshal(e.Props); err != nil {
				return "", fmt.Errorf("analytics: write events: props of event %d: %w", i, err)
			}
		}
		buf = append(buf, '[')
		buf = appendJSONString(buf, e.Site)
		buf = s.appendTime(append(buf, ','), e.Time)
		buf = appendJSONString(append(buf, ','), e.Name)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(e.Visitor), 10)
		for _, v := range []string{
			e.Path, e.Hostname, e.Referrer, e.Source, e.Medium, e.Campaign, e.Browser, e.BrowserVersion,
			e.OS, e.Device, e.Screen, e.Language, e.Country, e.Network, string(props), e.Search,
		} {
			buf = appendJSONString(append(buf, ','), v)
		}
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(e.Results), 10)
		buf = appendJSONString(append(buf, ','), e.Link)
		buf = append(buf, ']')
	}
	buf = append(buf, ']')
	return string(buf), nil
}

// appendTime appends t as a JSON string in the form the dialect stores:
// the store's own text on SQLite, RFC 3339 for PostgreSQL to parse.
func (s *SQLStore) appendTime(buf []byte, t time.Time) []byte {
	t = t.UTC().Truncate(time.Microsecond)
	buf = append(buf, '"')
	if s.db.Dialect() == store.SQLite {
		buf = t.AppendFormat(buf, sqliteTime)
	} else {
		buf = t.AppendFormat(buf, time.RFC3339Nano)
	}
	return append(buf, '"')
}

// appendJSONString appends v as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so that both backends accept the batch.
func appendJSONString(buf []byte, v string) []byte {
	plain := true
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		buf = append(buf, '"')
		buf = append(buf, v...)
		return append(buf, '"')
	}
	quoted, _ := json.Marshal(v) // a string always marshals
	return append(buf, quoted...)
}

// Retain deletes the raw events older than before, keeping the rollups.
// The cut-off is rounded down to a UTC midnight and never passes a site's
// rollups, so that whatever it deletes has been rolled up for good. It
// returns the number of events deleted.
func (s *SQLStore) Retain(ctx context.Context, before time.Time) (int64, error) {
	marks, err := s.sites(ctx)
	if err != nil {
		return 0, err
	}
	var deleted int64
	for _, site := range sortedKeys(marks) {
		m := marks[site]
		cut := UTCDay(before)
		if until := UTCDay(m.rolledUntil); until.Before(cut) {
			cut = until
		}
		if !cut.After(m.rawFrom) {
			continue
		}
		n, err := s.retainSite(ctx, site, cut)
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// retainSite deletes one site's raw events before cut, a day at a time so
// that no transaction holds the SQLite write lock for long.
func (s *SQLStore) retainSite(ctx context.Context, site string, cut time.Time) (int64, error) {
	var first time.Time
	err := s.db.QueryRowContext(ctx, s.q["first-event"], site, time.Time{}).Scan(&first)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Every raw event of the site is gone already: only its mark
		// moves, as it would have with events to delete.
		if _, err := s.db.ExecContext(ctx, s.q["retain-site"], site, cut); err != nil {
			return 0, fmt.Errorf("analytics: retain %s before %s: %w", site, cut.Format(time.DateOnly), err)
		}
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("analytics: retain %s before %s: find the first event: %w", site, cut.Format(time.DateOnly), err)
	}
	var deleted int64
	for day := UTCDay(first); day.Before(cut); day = day.AddDate(0, 0, 1) {
		end := Earlier(day.AddDate(0, 0, 1), cut)
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, s.q["delete-events"], site, end)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			deleted += n
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q["retain-site"], site, end)
			return err
		})
		if err != nil {
			return deleted, fmt.Errorf("analytics: retain %s %s: %w", site, day.Format(time.DateOnly), err)
		}
	}
	return deleted, nil
}

// sites returns the marks of every site with events.
func (s *SQLStore) sites(ctx context.Context) (map[string]siteMarks, error) {
	rows, err := s.db.QueryContext(ctx, s.q["sites"])
	if err != nil {
		return nil, fmt.Errorf("analytics: list sites: %w", err)
	}
	defer rows.Close()
	out := make(map[string]siteMarks)
	for rows.Next() {
		var site string
		var m siteMarks
		if err := rows.Scan(&site, &m.rolledUntil, &m.rawFrom); err != nil {
			return nil, fmt.Errorf("analytics: list sites: %w", err)
		}
		out[site] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analytics: list sites: %w", err)
	}
	return out, nil
}

// site returns one site's marks; a site without events has zero marks.
func (s *SQLStore) site(ctx context.Context, site string) (siteMarks, error) {
	var m siteMarks
	err := s.db.QueryRowContext(ctx, s.q["site"], site).Scan(&m.rolledUntil, &m.rawFrom)
	if errors.Is(err, store.ErrNotFound) {
		return siteMarks{}, nil
	}
	if err != nil {
		return siteMarks{}, fmt.Errorf("analytics: site %s: %w", site, err)
	}
	return m, nil
}

// Realtime returns the number of visitors seen on site in the 30 minutes
// up to now, counted from raw events.
func (s *SQLStore) Realtime(ctx context.Context, site string, now time.Time) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, s.q["realtime"], site, now.Add(-30*time.Minute), now).Scan(&n); err != nil {
		return 0, fmt.Errorf("analytics: realtime visitors of %s: %w", site, err)
	}
	return n, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
