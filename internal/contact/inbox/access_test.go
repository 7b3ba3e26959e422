package inbox

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// handlers are the roles that handle submissions.
var handlers = []account.Role{account.Owner, account.Handler, account.Contractor}

// rules lists every route of the section with the roles that may use it,
// and whether it is scoped to the form it names. It is written out rather
// than derived from the permissions so that a change to either shows up
// here.
var rules = map[string]struct {
	roles      []account.Role
	formScoped bool
}{
	"GET /admin/forms":              {handlers, false},
	"GET /admin/forms/{form}":       {handlers, true},
	"GET /admin/inbox":              {handlers, false},
	"GET /admin/inbox/{id}":         {handlers, false},
	"POST /admin/inbox/{id}/open":   {handlers, false},
	"POST /admin/inbox/{id}/status": {handlers, false},
	"POST /admin/inbox/{id}/assign": {handlers, false},
	"POST /admin/inbox/{id}/note":   {handlers, false},
	"POST /admin/inbox/{id}/reply":  {handlers, false},
	"GET /admin/api/forms":          {handlers, false},
	"GET /admin/api/forms/{form}":   {handlers, true},
}

// TestRoutes checks the section's routes, those under /admin/inbox,
// /admin/forms and /admin/api/forms, against rules: each is served, to the
// roles listed, and no other.
func TestRoutes(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	seen := map[string]bool{}
	for _, rt := range h.Console.Routes() {
		key := rt.Method + " " + rt.Pattern
		if !slices.ContainsFunc([]string{"/admin/inbox", "/admin/forms", "/admin/api/forms"}, func(p string) bool {
			return rt.Pattern == p || strings.HasPrefix(rt.Pattern, p+"/")
		}) {
			continue
		}
		seen[key] = true
		rule, ok := rules[key]
		if !ok {
			t.Errorf("route %s has no rule", key)
			continue
		}
		var got []account.Role
		for _, role := range account.Roles() {
			if role.Can(rt.Permission) {
				got = append(got, role)
			}
		}
		want := slices.Clone(rule.roles)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("route %s admits %v, the rules say %v", key, got, want)
		}
		if rt.Access != admin.Signed && rt.Access != admin.API {
			t.Errorf("route %s is %s", key, rt.Access)
		}
		if rt.FormScoped != rule.formScoped {
			t.Errorf("route %s: form-scoped %v, want %v", key, rt.FormScoped, rule.formScoped)
		}
	}
	for key := range rules {
		if !seen[key] {
			t.Errorf("the rules list %s, which the section does not serve", key)
		}
	}
}

// TestRoleAccess calls every route of the console with the section as
// every role, with and without the form token.
func TestRoleAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, nil)
		sub := h.addSubmission(admintest.Form, consultation())
		admintest.CheckAccess(t, h.Harness, admintest.Targets{"/admin/inbox/{id}": sub.ID})
	})
}

// TestFormScope checks that handlers and contractors reach only the forms
// assigned to them, and contractors only until their access ends.
func TestFormScope(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	ctx := context.Background()
	handler := h.AddUser("handler@example.jp", account.Handler)
	contractor := h.AddUser("contractor@example.jp", account.Contractor)
	owner := h.AddUser("owner@example.jp", account.Owner)
	tests := []struct {
		user account.User
		form string
		want int
	}{
		{handler, "consultation-form", http.StatusOK},
		{handler, "event-form", http.StatusForbidden},
		{contractor, "consultation-form", http.StatusOK},
		{contractor, "event-form", http.StatusForbidden},
		{owner, "event-form", http.StatusOK},
		{owner, "no-such-form", http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := h.SignedIn(tt.user).Get("/admin/forms/" + tt.form).Status; got != tt.want {
			t.Errorf("%s on %s: status %d, want %d", tt.user.Role, tt.form, got, tt.want)
		}
		secret, _, err := h.Accounts.CreateToken(ctx, tt.user, "scope", tt.user.Role, time.Time{}, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Browser().Bearer("GET", "/admin/api/forms/"+tt.form, secret).Status; got != tt.want {
			t.Errorf("API: %s on %s: status %d, want %d", tt.user.Role, tt.form, got, tt.want)
		}
	}
	if list := h.SignedIn(handler).Get("/admin/forms").Body; strings.Contains(list, "event-form") {
		t.Error("the handler's form list shows a form not assigned to it")
	}
	if denied := h.Entries("access.denied"); len(denied) == 0 {
		t.Error("refused requests are not in the audit trail")
	}

	// Once the contractor's access ends, its session and token stop working.
	b := h.SignedIn(contractor)
	secret, _, err := h.Accounts.CreateToken(ctx, contractor, "late", account.Contractor, time.Time{}, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(contractor.ExpiresAt.Sub(h.Clock.Now()) + time.Minute)
	if resp := b.Get("/admin/forms/consultation-form"); resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login") {
		t.Errorf("expired contractor: status %d to %q, want a redirect to sign in", resp.Status, resp.Location)
	}
	if got := h.Browser().Bearer("GET", "/admin/api/forms", secret).Status; got != http.StatusUnauthorized {
		t.Errorf("expired contractor's token: status %d, want 401", got)
	}
}
