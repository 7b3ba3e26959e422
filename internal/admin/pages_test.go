package admin_test

import (
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRoleMessages checks that every role has its name, its description
// and its home page's introduction.
func TestRoleMessages(t *testing.T) {
	for _, role := range account.Roles() {
		for _, key := range []string{"role." + string(role), "role." + string(role) + ".about", "home.intro." + string(role)} {
			if !i18n.Default().Has(key) {
				t.Errorf("no message %q", key)
			}
		}
	}
}

// TestPagesAreAccessible renders every page of the shell an owner can
// open, in every language, and checks what a screen reader and a keyboard
// user depend on.
func TestPagesAreAccessible(t *testing.T) {
	admintest.CheckPages(t, newHarness(t, storetest.SQLite(t)), nil)
}
