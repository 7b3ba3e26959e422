package history

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"time"

	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Keep is how many runs Prune keeps.
const Keep = 100

// ErrNotFound matches the error of Get for an unknown run.
var ErrNotFound = store.ErrNotFound

// Store keeps the runs in the scan_runs table. It is safe for concurrent
// use.
type Store struct {
	db *store.DB
	q  map[string]string
}

// NewStore returns the runs kept in db, which must be migrated.
func NewStore(db *store.DB) (*Store, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("scan history: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("scan history: %w", err)
	}
	for _, name := range []string{"save", "list", "get", "latest", "previous", "prune"} {
		if q[name] == "" {
			return nil, fmt.Errorf("scan history: no query %s", name)
		}
	}
	return &Store{db: db, q: q}, nil
}

// Save stores run, its report bounded (see boundReport), and returns its
// id.
func (s *Store) Save(ctx context.Context, run Run) (int64, error) {
	var report []byte
	if run.Report != nil {
		var err error
		if report, err = boundReport(run.Report); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.q["save"], run.Started, run.Finished, run.URL, run.StartedBy, run.Status,
		run.Error, run.Pages, run.Violations, run.Warnings, boolInt(run.Clean), run.ManifestHash, string(report)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save scan run of %s: %w", run.URL, err)
	}
	return id, nil
}

// List returns up to limit runs older than the run before (0: the newest
// runs), newest first, without their reports.
func (s *Store) List(ctx context.Context, limit int, before int64) ([]Run, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, s.q["list"], before, limit)
	if err != nil {
		return nil, fmt.Errorf("list scan runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		run, err := scanRun(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list scan runs: %w", err)
		}
		out = append(out, run)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list scan runs: %w", err)
	}
	return out, nil
}

// Get returns run id with its report; an unknown id yields an error
// matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Run, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, s.q["get"], id), true)
	if err != nil {
		return Run{}, fmt.Errorf("get scan run %d: %w", id, err)
	}
	return run, nil
}

// Latest returns the latest run that produced a report, without it; ok is
// false when there is none.
func (s *Store) Latest(ctx context.Context) (run Run, ok bool, err error) {
	return s.one(ctx, "latest", "latest scan run")
}

// Previous returns the latest run before id that produced a report,
// without it; ok is false when there is none.
func (s *Store) Previous(ctx context.Context, id int64) (run Run, ok bool, err error) {
	return s.one(ctx, "previous", fmt.Sprintf("scan run before %d", id), id)
}

func (s *Store) one(ctx context.Context, query, what string, args ...any) (Run, bool, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, s.q[query], args...), false)
	if errors.Is(err, store.ErrNotFound) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("read %s: %w", what, err)
	}
	return run, true, nil
}

// Prune deletes every run but the newest Keep.
func (s *Store) Prune(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.q["prune"], Keep); err != nil {
		return fmt.Errorf("prune scan runs: %w", err)
	}
	return nil
}

// Verified reports when the latest scan finished, when it found no
// violation in any state and was judged against the manifest whose hash
// is manifestHash; ok is false otherwise, or when there is no scan.
func (s *Store) Verified(ctx context.Context, manifestHash string) (time.Time, bool, error) {
	run, ok, err := s.Latest(ctx)
	if err != nil || !ok || !run.Clean || run.ManifestHash == "" || run.ManifestHash != manifestHash {
		return time.Time{}, false, err
	}
	return run.Finished, true, nil
}

// scanner is what *store.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanRun(sc scanner, withReport bool) (Run, error) {
	var (
		run    Run
		clean  int
		report string
	)
	dest := []any{&run.ID, &run.Started, &run.Finished, &run.URL, &run.StartedBy, &run.Status, &run.Error,
		&run.Pages, &run.Violations, &run.Warnings, &clean, &run.ManifestHash}
	if withReport {
		dest = append(dest, &report)
	}
	if err := sc.Scan(dest...); err != nil {
		return Run{}, err
	}
	run.Clean = clean == 1
	run.Started, run.Finished = run.Started.UTC(), run.Finished.UTC()
	if report != "" {
		run.Report = new(verdict.Report)
		if err := json.Unmarshal([]byte(report), run.Report); err != nil {
			return Run{}, fmt.Errorf("report of run %d: %w", run.ID, err)
		}
	}
	return run, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
