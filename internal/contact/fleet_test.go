package contact

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/testenv"
	"github.com/noren-web/noren/internal/vault"
)

// TestChallengeSingleUseInFleet serves the form from two handlers on one
// database, each with connections of its own as two instances have, and
// the vault keys and signing secret every instance of a fleet shares: a
// solved challenge is accepted by one and refused by the other, also when
// both receive it at once.
func TestChallengeSingleUseInFleet(t *testing.T) {
	d := store.SQLite
	if os.Getenv(storetest.EnvPostgres) != "" || testenv.Required(storetest.EnvRequirePostgres) {
		d = store.Postgres
	}
	dsn := storetest.FreshDSN(t, d)
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	instance := func() *harness {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		v, err := vault.New(db, keys)
		if err != nil {
			t.Fatal(err)
		}
		return newHarness(t, db, func(o *Options) { o.Vault = v })
	}
	a, b := instance(), instance()
	// Both clocks past the form's minimum fill time, as A's is once fill
	// has waited.
	b.clock.Advance(5 * time.Second)

	form := a.fill("en", goodForm(), true)
	reference(t, a.post("/en/contact", form))
	res := b.post("/en/contact", form)
	if res.status != http.StatusConflict {
		t.Errorf("the challenge A accepted, on B: status %d, want 409:\n%s", res.status, res.body)
	}

	form = a.fill("en", goodForm(), true)
	b.clock.Advance(5 * time.Second)
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, h := range []*harness{a, b} {
		wg.Go(func() {
			res, err := h.client.PostForm(h.srv.URL+"/en/contact", form)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	if accepted := (statuses[0] == http.StatusSeeOther) != (statuses[1] == http.StatusSeeOther); !accepted ||
		(statuses[0] != http.StatusConflict && statuses[1] != http.StatusConflict) {
		t.Errorf("one challenge sent to both at once: statuses %v, want one 303 and one 409", statuses)
	}
	if n := a.count("contact_submissions"); n != 2 {
		t.Errorf("%d submissions stored, want 2", n)
	}
}
