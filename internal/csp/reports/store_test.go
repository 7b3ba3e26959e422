package reports

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// tokyo is the site's zone in these tests, so that a day's boundary is
// not UTC's.
var tokyo = time.FixedZone("JST", 9*60*60)

func newStore(t *testing.T, db *store.DB) *Store {
	t.Helper()
	s, err := NewStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreUpsert writes two flushes that share keys: the counts add up,
// first_seen stays and last_seen moves, and days follow the site's zone.
func TestStoreUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		ctx := t.Context()
		// 23:30 UTC on the 6th is 08:30 on the 7th in Tokyo.
		t0 := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
		a := Key{Host: "tags.example", Directive: "script-src-elem", Path: "/ja/"}
		b := Key{Host: LabelInline, Directive: "script-src-elem", Path: "/en/"}
		first := map[Key]*Count{a: {N: 3, First: t0, Last: t0.Add(time.Minute)}, b: {N: 1, First: t0, Last: t0}}
		if err := s.Write(ctx, first, Count{}, tokyo); err != nil {
			t.Fatal(err)
		}
		second := map[Key]*Count{a: {N: 2, First: t0.Add(time.Hour), Last: t0.Add(2 * time.Hour)}}
		if err := s.Write(ctx, second, Count{N: 5, First: t0.Add(time.Hour), Last: t0.Add(time.Hour)}, tokyo); err != nil {
			t.Fatal(err)
		}
		if rows, err := s.Since(ctx, "2026-12-08"); err != nil || len(rows) != 0 {
			t.Fatalf("rows of a later day: %v, %v", rows, err)
		}
		rows, err := s.Since(ctx, "2026-12-07")
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(rows, func(x, y Row) int { return strings.Compare(x.Host, y.Host) })
		want := []Row{
			{Key: b, Count: 1, First: t0, Last: t0},
			{Key: otherKey, Count: 5, First: t0.Add(time.Hour), Last: t0.Add(time.Hour)},
			{Key: a, Count: 5, First: t0, Last: t0.Add(2 * time.Hour)},
		}
		if len(rows) != len(want) {
			t.Fatalf("rows %+v", rows)
		}
		for i := range want {
			if rows[i].Key != want[i].Key || rows[i].Count != want[i].Count || !rows[i].First.Equal(want[i].First) || !rows[i].Last.Equal(want[i].Last) {
				t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
			}
		}
	})
}

// TestStoreDayCap writes more distinct keys than a day takes: past
// DayRows their paths become (other), past DayOtherRows more everything
// lands in the one (other) row, and no report is lost from the totals.
func TestStoreDayCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		ctx := t.Context()
		t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		const hosts = DayRows + DayOtherRows + 300
		counts := make(map[Key]*Count)
		for i := range hosts {
			// Two paths each: the second is past the cap for everyone
			// once the first paths fill it.
			for _, p := range []string{"/a", "/b"} {
				counts[Key{Host: fmt.Sprintf("h%04d.example", i), Directive: "img-src", Path: p}] = &Count{N: 1, First: t0, Last: t0}
			}
		}
		if err := s.Write(ctx, counts, Count{}, tokyo); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Since(ctx, "2026-12-07")
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		var own, otherPath, other int
		for _, r := range rows {
			total += r.Count
			switch {
			case r.Key == otherKey:
				other++
			case r.Path == Other:
				otherPath++
			default:
				own++
			}
		}
		if total != 2*hosts {
			t.Errorf("total %d, want %d", total, 2*hosts)
		}
		if own != DayRows || otherPath != DayOtherRows || other != 1 {
			t.Errorf("%d rows of their own, %d with path (other), %d (other) rows; want %d, %d, 1", own, otherPath, other, DayRows, DayOtherRows)
		}
		// A key that has its row keeps counting there after the cap.
		var kept Key
		for _, r := range rows {
			if r.Path != Other {
				kept = r.Key
				break
			}
		}
		if err := s.Write(ctx, map[Key]*Count{kept: {N: 7, First: t0, Last: t0}}, Count{}, tokyo); err != nil {
			t.Fatal(err)
		}
		rows, _ = s.Since(ctx, "2026-12-07")
		for _, r := range rows {
			if r.Key == kept && r.Count != 8 {
				t.Errorf("kept key counted %d, want 8", r.Count)
			}
		}
	})
}

// TestRetention deletes the days past the retention, in the site's zone,
// and keeps the rest.
func TestRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		ctx := t.Context()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, tokyo)
		for _, age := range []int{0, 89, 90, 91, 200} {
			at := now.AddDate(0, 0, -age)
			if err := s.Write(ctx, map[Key]*Count{{Host: fmt.Sprintf("age%d.example", age), Directive: "img-src", Path: "/"}: {N: 1, First: at, Last: at}}, Count{}, tokyo); err != nil {
				t.Fatal(err)
			}
		}
		r, err := New(Options{Store: s, Location: tokyo, Retention: 90 * 24 * time.Hour, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Retain(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Since(ctx, "2000-01-01")
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, row := range rows {
			left = append(left, row.Host)
		}
		slices.Sort(left)
		if want := []string{"age0.example", "age89.example", "age90.example"}; !slices.Equal(left, want) {
			t.Errorf("left %v, want %v", left, want)
		}
	})
}

// BenchmarkWrite measures one flush of a full counter, DefaultMaxKeys
// distinct keys, into a day already at its caps (SQLite): the worst a
// flood makes of every flush.
func BenchmarkWrite(b *testing.B) {
	s, err := NewStore(storetest.SQLite(b))
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	full := func(round int) map[Key]*Count {
		counts := make(map[Key]*Count, DefaultMaxKeys)
		for i := range DefaultMaxKeys {
			counts[Key{Host: fmt.Sprintf("h%d-%d.example", round, i), Directive: "script-src-elem", Path: fmt.Sprintf("/p%d", i%1000)}] = &Count{N: 1, First: at, Last: at}
		}
		return counts
	}
	if err := s.Write(b.Context(), full(-1), Count{}, tokyo); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if err := s.Write(b.Context(), full(i), Count{N: 100, First: at, Last: at}, tokyo); err != nil {
			b.Fatal(err)
		}
	}
}
