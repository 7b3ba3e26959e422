package reports

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Caps on one day's rows. Up to DayRows keys get a row of their own;
// past that a key's path is counted as Other, in up to DayOtherRows more
// rows; past those everything is counted in the single row of Other
// host, directive and path. A day of forged reports thus adds at most
// DayRows+DayOtherRows+1 rows.
const (
	DayRows      = 2000
	DayOtherRows = 500
)

// dayLayout is how days are written: YYYY-MM-DD sorts as text.
const dayLayout = "2006-01-02"

// Store keeps the daily counts in the csp_reports table. It is safe for
// concurrent use.
type Store struct {
	db *store.DB
	q  map[string]string

	// mu serialises writes, and guards days: the keys that have a row,
	// by day, for the days last written, so that placing a key within a
	// day's caps costs no query. A day's set is read once from the table
	// and holds at most DayRows+DayOtherRows+1 keys.
	mu   sync.Mutex
	days map[string]map[Key]bool
}

// NewStore returns the store of db, whose schema must be migrated.
func NewStore(db *store.DB) (*Store, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("csp reports: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("csp reports: read queries: %w", err)
	}
	return &Store{db: db, q: q, days: make(map[string]map[Key]bool)}, nil
}

// Day returns t's day in loc, as the table writes it.
func Day(t time.Time, loc *time.Location) string { return t.In(loc).Format(dayLayout) }

// Write adds counts and overflow to the days, in loc, of their first
// report, within the days' caps. Keys are placed in memory first, so that
// however many of them a flood brings, the write is at most one statement
// per row a day may hold.
func (s *Store) Write(ctx context.Context, counts map[Key]*Count, overflow Count, loc *time.Location) error {
	if len(counts) == 0 && overflow.N == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byDay := make(map[string][]Key)
	for k, c := range counts {
		d := Day(c.First, loc)
		byDay[d] = append(byDay[d], k)
	}
	if overflow.N > 0 {
		if d := Day(overflow.First, loc); byDay[d] == nil {
			byDay[d] = []Key{}
		}
	}
	// Only the days written now stay known.
	for d := range s.days {
		if _, ok := byDay[d]; !ok {
			delete(s.days, d)
		}
	}
	rows := make(map[string]map[Key]*Count, len(byDay))
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		known, err := s.dayKeys(ctx, day)
		if err != nil {
			return err
		}
		keys := byDay[day]
		// The most reported keys get the rows left, so that a cap
		// reached by forgeries keeps what real browsers send often.
		slices.SortFunc(keys, func(a, b Key) int {
			if c := cmp.Compare(counts[b].N, counts[a].N); c != 0 {
				return c
			}
			return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Directive, b.Directive), cmp.Compare(a.Path, b.Path))
		})
		placed := make(map[Key]*Count)
		for _, k := range keys {
			merge(placed, place(known, k), *counts[k])
		}
		rows[day] = placed
	}
	if overflow.N > 0 {
		merge(rows[Day(overflow.First, loc)], otherKey, overflow)
	}
	type row struct {
		day string
		key Key
		c   *Count
	}
	var all []row
	for _, day := range slices.Sorted(maps.Keys(rows)) {
		for k, c := range rows[day] {
			all = append(all, row{day, k, c})
		}
	}
	// SQLite has one writer, which consent records and contact messages
	// wait for: a flush of a day's worth of rows in one transaction held
	// it for tens of milliseconds, hundreds on a loaded machine, so it
	// lets go after every batch.
	for done := 0; done < len(all); done += flushBatch {
		batch := all[done:min(done+flushBatch, len(all))]
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			for _, r := range batch {
				if _, err := tx.ExecContext(ctx, s.q["write"], r.day, r.key.Host, r.key.Directive, r.key.Path, r.c.N, r.c.First, r.c.Last); err != nil {
					return fmt.Errorf("add to the row of %s %s %s: %w", r.day, r.key.Host, r.key.Directive, err)
				}
			}
			return nil
		})
		if err != nil {
			// The rows the sets took for written are not: read them again.
			clear(s.days)
			return fmt.Errorf("csp reports: write %d keys (%d of %d rows written): %w", len(counts), done, len(all), err)
		}
	}
	return nil
}

// flushBatch is how many rows one transaction of a flush writes: a few
// milliseconds of SQLite's writer.
const flushBatch = 100

// otherKey counts what is past every cap.
var otherKey = Key{Host: Other, Directive: DirectiveOther, Path: Other}

// dayKeys returns the keys that have a row on day, read from the table
// the first time.
func (s *Store) dayKeys(ctx context.Context, day string) (map[Key]bool, error) {
	if known, ok := s.days[day]; ok {
		return known, nil
	}
	rows, err := s.db.QueryContext(ctx, s.q["day-keys"], day)
	if err != nil {
		return nil, fmt.Errorf("csp reports: read the keys of %s: %w", day, err)
	}
	defer rows.Close()
	known := make(map[Key]bool)
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.Host, &k.Directive, &k.Path); err != nil {
			return nil, fmt.Errorf("csp reports: read the keys of %s: %w", day, err)
		}
		known[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("csp reports: read the keys of %s: %w", day, err)
	}
	s.days[day] = known
	return known, nil
}

// place returns the key k is counted under on a day whose rows are
// known: itself, with its path as Other, or otherKey, as the day's caps
// allow, adding the row it takes to known.
func place(known map[Key]bool, k Key) Key {
	for _, try := range []struct {
		key Key
		cap int
	}{{k, DayRows}, {Key{Host: k.Host, Directive: k.Directive, Path: Other}, DayRows + DayOtherRows}} {
		if known[try.key] {
			return try.key
		}
		if len(known) < try.cap {
			known[try.key] = true
			return try.key
		}
	}
	known[otherKey] = true
	return otherKey
}

// merge adds c to k's count in m.
func merge(m map[Key]*Count, k Key, c Count) {
	n := m[k]
	if n == nil {
		m[k] = &c
		return
	}
	n.N += c.N
	if c.First.Before(n.First) {
		n.First = c.First
	}
	if c.Last.After(n.Last) {
		n.Last = c.Last
	}
}

// DeleteBefore deletes the days before day and returns how many rows went.
func (s *Store) DeleteBefore(ctx context.Context, day string) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q["delete-before"], day)
	if err != nil {
		return 0, fmt.Errorf("csp reports: delete the days before %s: %w", day, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("csp reports: delete the days before %s: %w", day, err)
	}
	return n, nil
}

// Row is one key's count summed over days.
type Row struct {
	Key
	Count       int64
	First, Last time.Time
}

// Since returns every key counted from day on, summed over the days.
func (s *Store) Since(ctx context.Context, day string) ([]Row, error) {
	rows, err := s.db.QueryContext(ctx, s.q["since"], day)
	if err != nil {
		return nil, fmt.Errorf("csp reports: read the days from %s: %w", day, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var first, last flexTime
		if err := rows.Scan(&r.Host, &r.Directive, &r.Path, &r.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("csp reports: read the days from %s: %w", day, err)
		}
		r.First, r.Last = first.t, last.t
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("csp reports: read the days from %s: %w", day, err)
	}
	return out, nil
}

// flexTime scans a timestamp that SQLite returns as text once an
// aggregate has lost its column's type, and PostgreSQL as a time.
type flexTime struct{ t time.Time }

func (f *flexTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		f.t = x.UTC()
		return nil
	case string:
		return f.parse(x)
	case []byte:
		return f.parse(string(x))
	}
	return fmt.Errorf("a time of type %T", v)
}

func (f *flexTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02T15:04:05.000000Z", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("a time %q", s)
}
