package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// version is a row of policy_versions.
type version struct {
	hash, label, effective string
	firstServed            time.Time
	manifest, ja, en       string
}

func testVersion(n int, firstServed time.Time) version {
	return version{
		hash:        fmt.Sprintf("%064x", n),
		label:       fmt.Sprintf("v%d", n),
		effective:   "2026-11-29",
		firstServed: firstServed,
		manifest:    `{"version":"` + fmt.Sprint(n) + `"}`,
		ja:          "# プライバシーポリシー",
		en:          "# Privacy policy",
	}
}

const insertVersion = `INSERT INTO policy_versions (hash, version, effective, first_served, manifest, policy_ja, policy_en)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

func insert(ctx context.Context, q store.Querier, v version) error {
	_, err := q.ExecContext(ctx, insertVersion, v.hash, v.label, v.effective, v.firstServed, v.manifest, v.ja, v.en)
	return err
}

func get(ctx context.Context, q store.Querier, hash string) (version, error) {
	var v version
	err := q.QueryRowContext(ctx, `SELECT hash, version, effective, first_served, manifest, policy_ja, policy_en
FROM policy_versions WHERE hash = $1`, hash).Scan(&v.hash, &v.label, &v.effective, &v.firstServed, &v.manifest, &v.ja, &v.en)
	return v, err
}

func count(t *testing.T, q store.Querier) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), `SELECT count(*) FROM policy_versions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDialect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if got := db.Dialect().String(); !strings.HasSuffix(t.Name(), "/"+got) {
			t.Errorf("Dialect() = %s in %s", got, t.Name())
		}
		if err := db.Ping(context.Background()); err != nil {
			t.Error(err)
		}
	})
}

func TestInsertAndSelect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		want := testVersion(1, time.Date(2026, 11, 29, 9, 30, 0, 123456000, time.UTC))
		if err := insert(ctx, db, want); err != nil {
			t.Fatal(err)
		}
		got, err := get(ctx, db, want.hash)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}

func TestPlaceholders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Ten parameters used in reverse, so $10 must not be read as $1
		// followed by 0; and '$'s in a literal and comments that must
		// survive as they are.
		var terms []string
		args := make([]any, 10)
		for i := 10; i >= 1; i-- {
			terms = append(terms, fmt.Sprintf("CAST($%d AS TEXT)", i))
			args[i-1] = string(rune('a' + i - 1))
		}
		query := "SELECT " + strings.Join(terms, " || ") + " || ' $1 ''$2'' $10' -- $3\n /* $4 */"
		var got string
		if err := db.QueryRowContext(ctx, query, args...).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := "jihgfedcba $1 '$2' $10"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}

		if err := db.QueryRowContext(ctx, `SELECT CAST($1 AS TEXT) || CAST($1 AS TEXT)`, "x").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != "xx" {
			t.Errorf("reused parameter: got %q, want %q", got, "xx")
		}
	})
}

func TestTxCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if tx.Dialect() != db.Dialect() {
				t.Errorf("tx dialect %v, db dialect %v", tx.Dialect(), db.Dialect())
			}
			if err := insert(ctx, tx, testVersion(1, time.Now())); err != nil {
				return err
			}
			if n := count(t, tx); n != 1 {
				t.Errorf("inside the transaction: %d rows, want 1", n)
			}
			return insert(ctx, tx, testVersion(2, time.Now()))
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, db); n != 2 {
			t.Errorf("after commit: %d rows, want 2", n)
		}
	})
}

func TestTxRollbackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		errFail := errors.New("fail")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, testVersion(1, time.Now())); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", errFail)
		})
		if !errors.Is(err, errFail) {
			t.Errorf("Tx error = %v, want the callback's", err)
		}
		if n := count(t, db); n != 0 {
			t.Errorf("after rollback: %d rows, want 0", n)
		}
		// The writer is free again.
		if err := insert(ctx, db, testVersion(2, time.Now())); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTxRollbackOnPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want the callback's panic", p)
				}
			}()
			_ = db.Tx(ctx, func(tx *store.Tx) error {
				if err := insert(ctx, tx, testVersion(1, time.Now())); err != nil {
					t.Error(err)
				}
				panic("boom")
			})
		}()
		if n := count(t, db); n != 0 {
			t.Errorf("after panic: %d rows, want 0", n)
		}
		if err := insert(ctx, db, testVersion(2, time.Now())); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTxCanceledContextDoesNotCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, testVersion(1, time.Now())); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if err == nil {
			t.Error("Tx reported success after its context was canceled")
		}
		if n := count(t, db); n != 0 {
			t.Errorf("%d rows, want 0", n)
		}
	})
}

func TestUniqueViolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVersion(1, time.Now())
		if err := insert(ctx, db, v); err != nil {
			t.Fatal(err)
		}
		err := insert(ctx, db, v)
		if err == nil {
			t.Fatal("duplicate primary key accepted")
		}
		if !store.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%v) = false", err)
		}
		if !store.IsUniqueViolation(fmt.Errorf("save: %w", err)) {
			t.Errorf("IsUniqueViolation of a wrapped violation = false")
		}

		bad := testVersion(2, time.Now())
		bad.effective = "29 November"
		err = insert(ctx, db, bad)
		if err == nil {
			t.Fatal("malformed effective date accepted")
		}
		if store.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%v) = true for a CHECK violation", err)
		}
		_, err = db.ExecContext(ctx, "SELEC 1")
		if err == nil || store.IsUniqueViolation(err) {
			t.Errorf("syntax error %v: IsUniqueViolation = true", err)
		}
		if store.IsUniqueViolation(nil) || store.IsUniqueViolation(errors.New("unique")) {
			t.Error("IsUniqueViolation true for a non-database error")
		}
	})
}

func TestNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := get(ctx, db, strings.Repeat("0", 64))
		if !errors.Is(err, store.ErrNotFound) || !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("error = %v, want ErrNotFound and sql.ErrNoRows", err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := get(ctx, tx, strings.Repeat("0", 64))
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("in a transaction: error = %v, want ErrNotFound", err)
		}
	})
}

// TestTimestamps checks that a time comes back as the same instant, in UTC,
// truncated to the microsecond, and that the database orders and compares
// times as times, on both backends alike.
func TestTimestamps(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*60*60)
	tests := []struct {
		name string
		in   any
		want time.Time
	}{
		{"UTC", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"other zone", time.Date(2026, 11, 29, 9, 0, 0, 0, tokyo), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"microseconds kept", time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)},
		{"nanoseconds dropped", time.Date(2026, 1, 2, 3, 4, 5, 678901999, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)},
		{"pointer", ptr(time.Date(2030, 6, 1, 12, 0, 0, 0, tokyo)), time.Date(2030, 6, 1, 3, 0, 0, 0, time.UTC)},
		{"sql.NullTime", sql.NullTime{Time: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC), Valid: true}, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)},
		{"far future", time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{"epoch", time.Unix(0, 0), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				v := testVersion(i, time.Time{})
				_, err := db.ExecContext(ctx, insertVersion, v.hash, v.label, v.effective, tt.in, v.manifest, v.ja, v.en)
				if err != nil {
					t.Fatal(err)
				}
				got, err := get(ctx, db, v.hash)
				if err != nil {
					t.Fatal(err)
				}
				if !got.firstServed.Equal(tt.want) || got.firstServed.Location() != time.UTC {
					t.Errorf("got %v (%v), want %v in UTC", got.firstServed, got.firstServed.Location(), tt.want)
				}
				var null sql.NullTime
				err = db.QueryRowContext(ctx, `SELECT first_served FROM policy_versions WHERE hash = $1`, v.hash).Scan(&null)
				if err != nil || !null.Valid || !null.Time.Equal(tt.want) {
					t.Errorf("into sql.NullTime: %v, %v; want %v", null, err, tt.want)
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestTimestampOrder(t *testing.T) {
	base := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	// Whole seconds, fractions of different lengths and another zone:
	// text forms of these sort wrongly unless the width is fixed.
	times := []time.Time{
		base.Add(500 * time.Millisecond),
		base,
		base.Add(450 * time.Millisecond),
		base.Add(time.Microsecond),
		base.In(time.FixedZone("", -5*60*60)).Add(-time.Hour),
		base.Add(time.Second),
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i, at := range times {
			if err := insert(ctx, db, testVersion(i, at)); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.QueryContext(ctx, `SELECT first_served FROM policy_versions WHERE first_served >= $1 ORDER BY first_served`, base)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []time.Time
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				t.Fatal(err)
			}
			got = append(got, at)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []time.Time{base, base.Add(time.Microsecond), base.Add(450 * time.Millisecond), base.Add(500 * time.Millisecond), base.Add(time.Second)}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("row %d: got %v, want %v", i, got[i], want[i])
			}
		}
	})
}

func TestQueryThatWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := testVersion(1, time.Now())
		var hash string
		err := db.QueryRowContext(ctx, insertVersion+" RETURNING hash", v.hash, v.label, v.effective, v.firstServed, v.manifest, v.ja, v.en).Scan(&hash)
		if err != nil {
			t.Fatal(err)
		}
		if hash != v.hash {
			t.Errorf("RETURNING gave %q, want %q", hash, v.hash)
		}
	})
}

// TestReadsDuringWrite checks that an open write transaction does not hold
// up readers, which see the data as last committed.
func TestReadsDuringWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := insert(ctx, db, testVersion(1, time.Now())); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insert(ctx, tx, testVersion(2, time.Now())); err != nil {
				return err
			}
			var wg sync.WaitGroup
			counts := make([]int, 4)
			errs := make([]error, 4)
			for i := range counts {
				wg.Go(func() {
					errs[i] = db.QueryRowContext(ctx, `SELECT count(*) FROM policy_versions`).Scan(&counts[i])
				})
			}
			wg.Wait()
			for i := range counts {
				if errs[i] != nil {
					return errs[i]
				}
				if counts[i] != 1 {
					t.Errorf("reader %d saw %d rows, want the 1 committed", i, counts[i])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					n := w*each + i
					if i%2 == 0 {
						errs[w] = insert(ctx, db, testVersion(n, time.Now()))
					} else {
						errs[w] = db.Tx(ctx, func(tx *store.Tx) error {
							return insert(ctx, tx, testVersion(n, time.Now()))
						})
					}
					if errs[w] != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db); n != writers*each {
			t.Errorf("%d rows, want %d", n, writers*each)
		}
	})
}

func TestSQLiteSettings(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
		"busy_timeout": "10000",
	} {
		var got string
		// PRAGMA runs on the writer; the pragma_ functions, being
		// SELECTs, on a reader. Both must be set up alike.
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writer: %s = %s, want %s", pragma, got, want)
		}
		if err := db.QueryRowContext(ctx, "SELECT * FROM pragma_"+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("reader: %s = %s, want %s", pragma, got, want)
		}
	}
	var readOnly int
	if err := db.QueryRowContext(ctx, "SELECT * FROM pragma_query_only").Scan(&readOnly); err != nil {
		t.Fatal(err)
	}
	if readOnly != 1 {
		t.Errorf("reader: query_only = %d, want 1", readOnly)
	}
}

func TestSQLiteSynchronousFull(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.FreshDSN(t, store.SQLite)+"?synchronous=full")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("synchronous = %d, want 2 (FULL)", got)
	}
}

func TestSQLiteForeignKeys(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	err := db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE parent (id INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE child (parent INTEGER REFERENCES parent (id))`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO child VALUES ($1)`, 42)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("insert of a dangling reference: %v, want a FOREIGN KEY error", err)
	}
}

func TestSQLiteMemory(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := testVersion(1, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	if err := insert(ctx, db, want); err != nil {
		t.Fatal(err)
	}
	got, err := get(ctx, db, want.hash)
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, dsn := range []string{
		"",
		"sqlite:" + t.TempDir() + "/missing/dir/noren.db",
		"postgres://noren@127.0.0.1:1/noren?sslmode=disable&connect_timeout=5",
	} {
		if db, err := store.Open(ctx, dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}
