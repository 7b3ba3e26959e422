package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRoleAccess calls every route of the shell as every role, with and
// without the form token.
func TestRoleAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		admintest.CheckAccess(t, newHarness(t, db), nil)
	})
}

// TestContractorAccessEnds checks that once a contractor's access ends,
// its session and its API token stop working.
func TestContractorAccessEnds(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	contractor := h.AddUser("contractor@example.jp", account.Contractor)
	b := h.SignedIn(contractor)
	secret, _, err := h.Accounts.CreateToken(context.Background(), contractor, "late", account.Contractor, time.Time{}, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Get("/admin/account").Status; got != http.StatusOK {
		t.Fatalf("before the end: status %d", got)
	}
	h.Clock.Advance(contractor.ExpiresAt.Sub(h.Clock.Now()) + time.Minute)
	if resp := b.Get("/admin/account"); resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login") {
		t.Errorf("expired contractor: status %d to %q, want a redirect to sign in", resp.Status, resp.Location)
	}
	if got := h.Browser().Bearer("GET", "/admin/api/me", secret).Status; got != http.StatusUnauthorized {
		t.Errorf("expired contractor's token: status %d, want 401", got)
	}
}
