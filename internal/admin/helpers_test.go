package admin_test

import (
	"testing"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/store"
)

// newHarness starts a console of the shell alone on db; configure changes
// its options before it starts.
func newHarness(t *testing.T, db *store.DB, configure ...func(*admin.Options)) *admintest.Harness {
	t.Helper()
	return admintest.New(t, db, admintest.Setup{Configure: func(o *admin.Options) {
		for _, f := range configure {
			f(o)
		}
	}})
}
