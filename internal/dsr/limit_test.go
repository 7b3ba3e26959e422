package dsr_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRateLimitsShared checks that with shared rate limits the instances
// on one database count the requests of an address and of a network
// together, and that a restart keeps the counts.
func TestRateLimitsShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		instance := func() *harness {
			shared, err := ratelimit.NewShared(db)
			if err != nil {
				t.Fatal(err)
			}
			return newHarness(t, db, func(o *dsr.Options) {
				o.Limits = dsr.Limits{PerAddress: 2, PerNetwork: 3, Window: time.Hour}
				o.RateLimits = shared
			})
		}
		one, two := instance(), instance()
		sends := []struct {
			on          *harness
			email, from string
			want        int
		}{
			{one, "same@example.jp", "192.0.2.1", http.StatusSeeOther},
			{two, "same@example.jp", "198.51.100.7", http.StatusSeeOther},
			{one, "same@example.jp", "203.0.113.1", http.StatusTooManyRequests},
			{two, "other@example.jp", "192.0.2.2", http.StatusSeeOther},
			{one, "third@example.jp", "192.0.2.3", http.StatusSeeOther},
			{two, "fourth@example.jp", "192.0.2.4", http.StatusTooManyRequests},
			{instance(), "fifth@example.jp", "192.0.2.5", http.StatusTooManyRequests},
		}
		for i, s := range sends {
			resp := s.on.post(dsr.Path("en"), form(dsr.Cessation, s.email, cessationReason), s.from)
			if resp.status != s.want {
				t.Errorf("request %d, for %s from %s: status %d, want %d", i+1, s.email, s.from, resp.status, s.want)
			}
		}
	})
}
