package audit_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func TestAppendChainsEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		got := appendSamples(t, trail, 4)
		prev := strings.Repeat("0", 64)
		for i, e := range got {
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d: Seq %d", i+1, e.Seq)
			}
			if e.PrevHash != prev {
				t.Errorf("entry %d: PrevHash %s, want %s", e.Seq, e.PrevHash, prev)
			}
			if want := outsideHash(t, e); e.Hash != want {
				t.Errorf("entry %d: Hash %s, but the documented canonical form hashes to %s", e.Seq, e.Hash, want)
			}
			prev = e.Hash
		}

		listed, err := trail.List(ctx, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(listed)
		if len(listed) != len(got) {
			t.Fatalf("List returned %d entries, want %d", len(listed), len(got))
		}
		for i := range got {
			if !equalEntries(listed[i], got[i]) {
				t.Errorf("entry %d reads back as\n%+v\nwant\n%+v", got[i].Seq, listed[i], got[i])
			}
		}
	})
}

func equalEntries(a, b audit.Entry) bool {
	return a.Seq == b.Seq && a.At.Equal(b.At) && a.At.Location() == time.UTC && a.Actor == b.Actor &&
		a.Role == b.Role && a.Action == b.Action && a.Object == b.Object && a.Purpose == b.Purpose &&
		a.Outcome == b.Outcome && a.Address == b.Address && maps.Equal(a.Detail, b.Detail) &&
		a.PrevHash == b.PrevHash && a.Hash == b.Hash
}

func TestAppendSetsTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		before := time.Now().Add(-time.Second)
		e, err := audit.New(db).Append(context.Background(), audit.Entry{Actor: "system", Role: "system", Action: "login", Outcome: audit.OK})
		if err != nil {
			t.Fatal(err)
		}
		if e.At.Before(before) || e.At.Location() != time.UTC || e.At.Nanosecond()%1000 != 0 {
			t.Errorf("At = %v, want now in UTC to the microsecond", e.At)
		}
	})
}

func TestAppendRefusesInvalidEntries(t *testing.T) {
	valid := audit.Entry{Actor: "cli", Role: "system", Action: "audit.export", Outcome: audit.OK}
	tests := []struct {
		name   string
		change func(*audit.Entry)
	}{
		{"no actor", func(e *audit.Entry) { e.Actor = "" }},
		{"no action", func(e *audit.Entry) { e.Action = "" }},
		{"action with a space", func(e *audit.Entry) { e.Action = "log in" }},
		{"action with an empty word", func(e *audit.Entry) { e.Action = "login..failed" }},
		{"action in capitals", func(e *audit.Entry) { e.Action = "Login" }},
		{"unknown outcome", func(e *audit.Entry) { e.Outcome = "maybe" }},
		{"no outcome", func(e *audit.Entry) { e.Outcome = "" }},
		{"detail key with a space", func(e *audit.Entry) { e.Detail = map[string]string{"a b": "c"} }},
		{"non-ASCII detail key", func(e *audit.Entry) { e.Detail = map[string]string{"件数": "1"} }},
		{"entry too large", func(e *audit.Entry) { e.Object = strings.Repeat("x", 70<<10) }},
		{"year beyond 9999", func(e *audit.Entry) { e.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	db := storetest.SQLite(t)
	trail := audit.New(db)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid
			tt.change(&e)
			if got, err := trail.Append(context.Background(), e); err == nil {
				t.Errorf("Append accepted it as entry %d", got.Seq)
			}
		})
	}
	if n, err := trail.Count(context.Background(), audit.Filter{}); err != nil || n != 0 {
		t.Errorf("the trail holds %d entries (%v) after refused appends", n, err)
	}
}

// TestAppendCleansText checks that text PostgreSQL could not store is
// replaced, identically on both backends, and the chain still verifies.
func TestAppendCleansText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		e, err := trail.Append(ctx, audit.Entry{
			Actor: "bad\xffbyte", Role: "owner", Action: "access.denied", Object: "GET /admin/\x00x",
			Outcome: audit.Denied, Detail: map[string]string{"path": "a\xfe"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.Actor != "bad\uFFFDbyte" || e.Object != "GET /admin/\uFFFDx" || e.Detail["path"] != "a\uFFFD" {
			t.Errorf("stored %q, %q, %q", e.Actor, e.Object, e.Detail["path"])
		}
		rep, err := trail.Verify(ctx, nil)
		if err != nil || rep.Problem != nil {
			t.Fatalf("Verify: %v %v", rep.Problem, err)
		}
	})
}

// TestAppendTxCommitsWithTheAction checks that an entry appended in a
// transaction that rolls back leaves no trace, not even a used number.
func TestAppendTxCommitsWithTheAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		errAction := errors.New("the action failed")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := trail.AppendTx(ctx, tx, sample(1)); err != nil {
				return err
			}
			return errAction
		})
		if !errors.Is(err, errAction) {
			t.Fatalf("Tx: %v", err)
		}
		var committed audit.Entry
		err = db.Tx(ctx, func(tx *store.Tx) error {
			committed, err = trail.AppendTx(ctx, tx, sample(2))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if committed.Seq != 1 {
			t.Errorf("the entry after a rolled-back one is %d, want 1", committed.Seq)
		}
		if n, _ := trail.Count(ctx, audit.Filter{}); n != 1 {
			t.Errorf("%d entries, want 1", n)
		}
	})
}

// TestConcurrentAppendsFromTwoHandles appends from many goroutines through
// two separate handles on one database, as two processes would, and checks
// the numbers have no gaps or repeats and the chain verifies.
func TestConcurrentAppendsFromTwoHandles(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.FreshDSN(t, d)
			var trails []*audit.Trail
			for range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				trails = append(trails, audit.New(db))
			}
			const workers, each = 8, 10
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						e := audit.Entry{Actor: fmt.Sprintf("worker%d", w), Role: "system", Action: "login", Outcome: audit.OK, Object: fmt.Sprint(i)}
						if _, err := trails[w%2].Append(ctx, e); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			rep, err := trails[0].Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Problem != nil || rep.Entries != workers*each || rep.Head.Seq != workers*each {
				t.Errorf("after concurrent appends: %+v, problem %v", rep, rep.Problem)
			}
		})
	}
}

func TestTableRefusesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendSamples(t, audit.New(db), 2)
		statements := []string{
			`UPDATE audit_log SET action = 'login' WHERE seq = 1`,
			`DELETE FROM audit_log WHERE seq = 2`,
			`DELETE FROM audit_log`,
		}
		if db.Dialect() == store.Postgres {
			statements = append(statements, `TRUNCATE audit_log`)
		}
		for _, s := range statements {
			_, err := db.ExecContext(ctx, s)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want it refused as append-only", s, err)
			}
		}
		if n, _ := audit.New(db).Count(ctx, audit.Filter{}); n != 2 {
			t.Errorf("%d entries left, want 2", n)
		}
	})
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		appendSamples(t, trail, 12)
		// The samples cycle actors by 3, actions by 5 and outcomes by 4.
		tests := []struct {
			name string
			f    audit.Filter
			want []int64 // newest first
		}{
			{"everything", audit.Filter{}, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"limit", audit.Filter{Limit: 3}, []int64{12, 11, 10}},
			{"page before", audit.Filter{BeforeSeq: 4}, []int64{3, 2, 1}},
			{"actor", audit.Filter{Actor: "cli"}, []int64{12, 9, 6, 3}},
			{"action prefix", audit.Filter{Action: "login"}, []int64{12, 11, 7, 6, 2, 1}},
			{"action exact", audit.Filter{Action: "login.failed"}, []int64{12, 7, 2}},
			{"partial word is no prefix", audit.Filter{Action: "log"}, nil},
			{"object", audit.Filter{Object: "form:contact/5"}, []int64{5}},
			{"outcome", audit.Filter{Outcome: audit.Denied}, []int64{12, 8, 4}},
			{"since", audit.Filter{Since: base.Add(9 * time.Second)}, []int64{12, 11, 10}},
			{"until", audit.Filter{Until: base.Add(2 * time.Second)}, []int64{2, 1}},
			{"combined", audit.Filter{Actor: "owner@example.jp", Action: "login", Since: base.Add(time.Second)}, []int64{7}},
			{"nothing", audit.Filter{Actor: "nobody"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := trail.List(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var seqs []int64
				for _, e := range got {
					seqs = append(seqs, e.Seq)
				}
				if !slices.Equal(seqs, tt.want) {
					t.Errorf("List = %v, want %v", seqs, tt.want)
				}
				n, err := trail.Count(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if want := len(tt.want); tt.f.Limit == 0 && n != int64(want) {
					t.Errorf("Count = %d, want %d", n, want)
				}
			})
		}
	})
}

func TestListDefaultLimit(t *testing.T) {
	db := storetest.SQLite(t)
	trail := audit.New(db)
	appendSamples(t, trail, 105)
	got, err := trail.List(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 || got[0].Seq != 105 {
		t.Errorf("List without a limit: %d entries from %d, want 100 from 105", len(got), got[0].Seq)
	}
}

func TestActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		trail := audit.New(db)
		appendSamples(t, trail, 7)
		got, err := trail.Actions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"audit.export", "login", "login.failed", "submission.read", "user.role"}
		if !slices.Equal(got, want) {
			t.Errorf("Actions = %v, want %v", got, want)
		}
	})
}
