package admin_test

import (
	"net/http"
	"testing"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestThrottlePerNetwork checks that the failed sign-ins of every address
// of one network (an IPv4 /24, an IPv6 /48) count against one budget, and
// that other networks keep theirs.
func TestThrottlePerNetwork(t *testing.T) {
	tests := []struct {
		name    string
		from    []string // addresses of one network, the last one over budget
		network string
		other   string
	}{
		{"IPv4 /24", []string{"203.0.113.7", "203.0.113.200", "203.0.113.9", "203.0.113.50"}, "203.0.113.0/24", "203.0.114.7"},
		{"IPv6 /48", []string{"2001:db8:1:1::1", "2001:db8:1:2::1", "2001:db8:1:ffff::9", "2001:db8:1::7"}, "2001:db8:1::/48", "2001:db8:2::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				h := newHarness(t, db, func(o *admin.Options) { o.AddressFailures = len(tt.from) - 1 })
				behindProxy(h)
				last := len(tt.from) - 1
				for i, from := range tt.from {
					want := http.StatusUnauthorized
					if i == last {
						want = http.StatusTooManyRequests
					}
					if resp := browserFrom(h, from).Login("nobody@example.jp", "guess"); resp.Status != want {
						t.Errorf("failure %d, from %s: status %d, want %d", i+1, from, resp.Status, want)
					}
				}
				if resp := browserFrom(h, tt.other).Login("nobody@example.jp", "guess"); resp.Status != http.StatusUnauthorized {
					t.Errorf("another network: status %d, want 401", resp.Status)
				}
				if throttled := h.Entries("login.throttled"); len(throttled) != 1 || throttled[0].Address != tt.network {
					t.Errorf("login.throttled entries %+v, want one for %s", throttled, tt.network)
				}
			})
		})
	}
}

// TestThrottleSharedByInstances checks that with shared rate limits the
// failed sign-ins of one network count together on every instance on the
// database, and after a restart: alternating between instances gains
// nothing.
func TestThrottleSharedByInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		instance := func() *admintest.Harness {
			shared, err := ratelimit.NewShared(db)
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, db, func(o *admin.Options) { o.AddressFailures, o.RateLimits = 3, shared })
			behindProxy(h)
			return h
		}
		one, two := instance(), instance()
		for i, h := range []*admintest.Harness{one, two, one} {
			if resp := browserFrom(h, "203.0.113.7").Login("nobody@example.jp", "guess"); resp.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, resp.Status)
			}
		}
		for name, h := range map[string]*admintest.Harness{"the other instance": two, "a restarted instance": instance()} {
			if resp := browserFrom(h, "203.0.113.9").Login("nobody@example.jp", "guess"); resp.Status != http.StatusTooManyRequests {
				t.Errorf("%s, after 3 failures of the network: status %d, want 429", name, resp.Status)
			}
		}
		if throttled := one.Entries("login.throttled"); len(throttled) != 1 {
			t.Errorf("%d login.throttled entries in the fleet, want 1", len(throttled))
		}
	})
}
