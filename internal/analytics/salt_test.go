package analytics

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func mustAddr(t testing.TB, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// storedSaltDays returns the days the salts table holds, in order.
func storedSaltDays(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT day FROM analytics_salts ORDER BY day`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var days []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return days
}

// TestDailySalt sends the same visitor's pageviews to two collector
// instances sharing one database over three days: both instances give
// the visitor one id within a day, the id changes with the day, and the
// table keeps only today's and yesterday's salts, so the first day's ids
// can no longer be recomputed on the third.
func TestDailySalt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newCollectorHarness(t, db, nil)
		b := newCollectorHarness(t, db, nil)
		const pageview = `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`
		visit := func(h *collectorHarness, remote string) {
			t.Helper()
			if rec := h.do(collectorRequest{body: pageview, remote: remote}); rec.Code != http.StatusAccepted {
				t.Fatalf("status %d %q", rec.Code, rec.Body.String())
			}
		}
		at := func(day, hour int) {
			when := time.Date(2026, 12, day, hour, 0, 0, 0, time.UTC)
			a.clock.set(when)
			b.clock.set(when)
		}

		at(1, 0)
		visit(a, "203.0.113.5:1000")
		at(1, 23)
		visit(b, "203.0.113.5:2000") // same address and browser, other instance, same day
		visit(a, "203.0.113.6:1000") // someone else
		// The instances started on 30 November, whose salt is
		// yesterday's now.
		if got, want := storedSaltDays(t, db), []string{"2026-11-30", "2026-12-01"}; !slices.Equal(got, want) {
			t.Errorf("salts on day 1: %v, want %v", got, want)
		}
		at(2, 0)
		visit(a, "203.0.113.5:1000")
		if got, want := storedSaltDays(t, db), []string{"2026-12-01", "2026-12-02"}; !slices.Equal(got, want) {
			t.Errorf("salts on day 2: %v, want %v", got, want)
		}
		at(3, 0)
		visit(b, "203.0.113.5:1000")
		if got, want := storedSaltDays(t, db), []string{"2026-12-02", "2026-12-03"}; !slices.Equal(got, want) {
			t.Errorf("salts on day 3: %v, want %v (day 1's must be gone)", got, want)
		}

		ea, eb := a.flush(), b.flush()
		if len(ea) != 3 || len(eb) != 2 {
			t.Fatalf("%d and %d events, want 3 and 2", len(ea), len(eb))
		}
		day1, day1other, day1b, day2, day3 := ea[0].Visitor, ea[1].Visitor, eb[0].Visitor, ea[2].Visitor, eb[1].Visitor
		if day1 != day1b {
			t.Errorf("one visitor on one day has ids %x and %x on two instances", day1, day1b)
		}
		if day1 == day1other {
			t.Errorf("two addresses share the id %x", day1)
		}
		if day2 == day1 || day3 == day2 || day3 == day1 {
			t.Errorf("the visitor's ids on days 1, 2, 3 are %x, %x, %x: they must differ", day1, day2, day3)
		}
		if _, ok := b.c.salts.byDay["2026-12-01"]; ok {
			t.Errorf("day 1's salt is still cached on day 3")
		}
	})
}

// TestSaltRotatesWithoutEvents checks that a quiet site's old salt does
// not outlive its day: the periodic rotation deletes it with no event
// asking for a new one.
func TestSaltRotatesWithoutEvents(t *testing.T) {
	db := storetest.SQLite(t)
	h := newCollectorHarness(t, db, nil) // creates the salt of 2026-11-30
	if got := storedSaltDays(t, db); !slices.Equal(got, []string{"2026-11-30"}) {
		t.Fatalf("salts at start: %v", got)
	}
	if err := h.c.salts.rotate(context.Background(), time.Date(2026, 12, 2, 0, 0, 30, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := storedSaltDays(t, db); !slices.Equal(got, []string{"2026-12-02"}) {
		t.Errorf("salts two days later: %v, want only the new day's", got)
	}
}

// TestVisitorHash pins the visitor id's definition: the first 8 bytes of
// HMAC-SHA256 over site, NUL, address, NUL, user agent.
func TestVisitorHash(t *testing.T) {
	salt := make([]byte, saltSize)
	for i := range salt {
		salt[i] = byte(i)
	}
	k := newVisitorKey(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), salt)
	addr := mustAddr(t, "192.0.2.1")
	// Computed independently: HMAC-SHA256(00 01 … 1f, "example.com\x00192.0.2.1\x00Mozilla/5.0").
	const want = 0x62d280e3e7b1bde2
	if got := k.visitor("example.com", addr, "Mozilla/5.0"); got != want {
		t.Errorf("visitor id %#x, want %#x", got, uint64(want))
	}
	for _, tc := range []struct {
		site, addr, ua string
	}{
		{"example.org", "192.0.2.1", "Mozilla/5.0"},
		{"example.com", "192.0.2.2", "Mozilla/5.0"},
		{"example.com", "192.0.2.1", "Mozilla/5.1"},
		// The separators keep fields from running into each other.
		{"example.com1", "92.0.2.1", "Mozilla/5.0"},
	} {
		if k.visitor(tc.site, mustAddr(t, tc.addr), tc.ua) == want {
			t.Errorf("%+v has the same id", tc)
		}
	}
	if !k.covers(time.Date(2026, 12, 1, 23, 59, 59, 0, time.UTC)) || k.covers(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the key's day is wrong")
	}
}
