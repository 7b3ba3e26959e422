package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func newShared(t *testing.T, db *store.DB) *Shared {
	t.Helper()
	s, err := NewShared(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// queryInt runs a query of one integer on db.
func queryInt(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestSharedWindow runs the scenarios of every Window on the database: on
// its counts alone, which checks that the upsert moves windows on as
// Counts.At does, and on a Window of Shared, with the one in memory in
// front.
func TestSharedWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, sc := range windowScenarios() {
			t.Run(sc.name+"/table", func(t *testing.T) {
				s := newShared(t, db)
				sc.run(t, &Window{limit: sc.limit, window: sc.window, keys: s.keys,
					store: &table{shared: s, scope: t.Name()}})
			})
			t.Run(sc.name+"/shared", func(t *testing.T) {
				sc.run(t, newShared(t, db).Window(t.Name(), sc.limit, sc.window))
			})
		}
	})
}

// TestSharedInstancesCountTogether checks that the Windows of two
// instances on one database count into one another, that a restart keeps
// the counts, across midnight too, and that scopes stay apart.
func TestSharedInstancesCountTogether(t *testing.T) {
	late := time.Date(2026, 12, 7, 23, 55, 0, 0, time.UTC)
	const network = "203.0.113.0/24"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		one := newShared(t, db).Window("sign-in", 4, time.Hour)
		two := newShared(t, db).Window("sign-in", 4, time.Hour)
		for i, w := range []*Window{one, two, one, two} {
			v, err := w.Add(t.Context(), network, late.Add(time.Duration(i)*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if last := i == 3; v.Full != last || v.Reached != last {
				t.Errorf("event %d, alternating between instances: %+v", i+1, v)
			}
		}
		for name, w := range map[string]*Window{
			"the first instance":          one,
			"the second instance":         two,
			"an instance after a restart": newShared(t, db).Window("sign-in", 4, time.Hour),
		} {
			v, err := w.Check(t.Context(), network, late.Add(10*time.Minute))
			if err != nil || !v.Full || v.Retry != 50*time.Minute {
				t.Errorf("%s, after midnight: %+v, %v; want full for 50m", name, v, err)
			}
		}
		other := newShared(t, db).Window("contact", 4, time.Hour)
		if v, err := other.Check(t.Context(), network, late.Add(10*time.Minute)); err != nil || v.Full {
			t.Errorf("another scope: %+v, %v; want room", v, err)
		}
	})
}

// TestSharedSecrets checks that two instances key a day alike and that a
// day's secret is gone from the database two days later.
func TestSharedSecrets(t *testing.T) {
	monday := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	value := []byte("203.0.113.0/24")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		one, two := newShared(t, db), newShared(t, db)
		k1, _, _, err := one.keys.keys(t.Context(), monday, value)
		if err != nil {
			t.Fatal(err)
		}
		k2, _, _, err := two.keys.keys(t.Context(), monday.Add(time.Hour), value)
		if err != nil {
			t.Fatal(err)
		}
		if k1 != k2 {
			t.Error("two instances key one day differently")
		}
		stored := func() int {
			return queryInt(t, db, "SELECT count(*) FROM ratelimit_secrets WHERE day = $1", "2026-12-07")
		}
		if err := one.Sweep(t.Context(), monday.Add(day)); err != nil {
			t.Fatal(err)
		}
		if stored() != 1 {
			t.Error("Monday's secret deleted on Tuesday, while Tuesday's windows still count under it")
		}
		if err := one.Sweep(t.Context(), utcDay(monday).Add(2*day)); err != nil {
			t.Fatal(err)
		}
		if stored() != 0 {
			t.Error("Monday's secret kept on Wednesday")
		}
	})
}

// TestSharedSweep checks that the sweep deletes a count once its windows
// have all ended, and not before.
func TestSharedSweep(t *testing.T) {
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShared(t, db)
		w := s.Window("contact", 5, 10*time.Minute)
		for _, subject := range []string{"203.0.113.0/24", "198.51.100.0/24"} {
			if _, err := w.Add(t.Context(), subject, noon); err != nil {
				t.Fatal(err)
			}
		}
		// The second window of the first subject starts on.
		if _, err := w.Add(t.Context(), "203.0.113.0/24", noon.Add(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		rows := func() int { return queryInt(t, db, "SELECT count(*) FROM ratelimit_counts") }
		for _, tt := range []struct {
			at   time.Duration
			rows int
		}{{19 * time.Minute, 2}, {20 * time.Minute, 1}, {29 * time.Minute, 1}, {30 * time.Minute, 0}} {
			if err := s.Sweep(t.Context(), noon.Add(tt.at)); err != nil {
				t.Fatal(err)
			}
			if got := rows(); got != tt.rows {
				t.Errorf("after a sweep at %v: %d counts, want %d", tt.at, got, tt.rows)
			}
		}
	})
}

// TestSharedLocalFront checks that what the Window in memory refuses never
// reaches the database: a flood from one network writes the limit's worth
// of events, not the flood's.
func TestSharedLocalFront(t *testing.T) {
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newShared(t, db).Window("contact", 3, time.Hour)
		var v Verdict
		for i := range 100 {
			var err error
			if v, err = w.Add(t.Context(), "203.0.113.0/24", noon.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if !v.Full || v.Reached {
			t.Errorf("the 100th event: %+v, want full and reached before", v)
		}
		if n := queryInt(t, db, "SELECT current FROM ratelimit_counts"); n != 3 {
			t.Errorf("%d events reached the database, want 3", n)
		}
	})
}

// TestSharedConcurrent checks that events added at once by many goroutines
// of two instances are each counted once.
func TestSharedConcurrent(t *testing.T) {
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	const goroutines, each = 16, 25
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		instances := []*Window{
			newShared(t, db).Window("sign-in", goroutines*each, time.Hour),
			newShared(t, db).Window("sign-in", goroutines*each, time.Hour),
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		reached := 0
		for g := range goroutines {
			w := instances[g%2]
			wg.Go(func() {
				for range each {
					v, err := w.Add(t.Context(), "203.0.113.0/24", noon)
					if err != nil {
						t.Error(err)
						return
					}
					if v.Reached {
						mu.Lock()
						reached++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if n := queryInt(t, db, "SELECT current FROM ratelimit_counts"); n != goroutines*each {
			t.Errorf("%d events counted, want %d", n, goroutines*each)
		}
		if reached != 1 {
			t.Errorf("%d events reached the limit, want 1", reached)
		}
	})
}

// TestSharedDatabaseDown checks that a Window of Shared whose database
// fails reports the error with the verdict of the Window in memory.
func TestSharedDatabaseDown(t *testing.T) {
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.FreshDSN(t, store.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := newShared(t, db).Window("contact", 2, time.Hour)
	for range 2 {
		if _, err := w.Add(ctx, "203.0.113.0/24", noon); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if v, err := w.Check(ctx, "203.0.113.0/24", noon); err != nil || !v.Full {
		t.Errorf("a network full in memory: %+v, %v; want full without asking the database", v, err)
	}
	if v, err := w.Add(ctx, "198.51.100.0/24", noon); err == nil || v.Full {
		t.Errorf("another network: %+v, %v; want room and the database's error", v, err)
	}
}
