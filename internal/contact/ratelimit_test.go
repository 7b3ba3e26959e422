package contact

import (
	"net/http"
	"testing"

	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRateLimitShared checks that with shared rate limits the instances on
// one database count the submissions of a network together, and that a
// restart keeps the count.
func TestRateLimitShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		instance := func() *harness {
			shared, err := ratelimit.NewShared(db)
			if err != nil {
				t.Fatal(err)
			}
			hs := newHarness(t, db, func(o *Options) { o.RateLimit, o.RateLimits = 3, shared })
			hs.from = "203.0.113.7"
			return hs
		}
		one, two := instance(), instance()
		for _, hs := range []*harness{one, two, one} {
			reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
		}
		for name, hs := range map[string]*harness{"the other instance": two, "a restarted instance": instance()} {
			if res := hs.post("/en/contact", hs.fill("en", goodForm(), true)); res.status != http.StatusTooManyRequests {
				t.Errorf("%s, after 3 submissions of the network: status %d, want 429", name, res.status)
			}
		}
	})
}
