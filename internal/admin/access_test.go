package admin

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// allowed lists, for every route that needs a role, the roles that may use
// it. It is written out rather than derived from the permissions so that a
// change to either shows up here; a route missing from it fails the test.
var allowed = map[string][]account.Role{
	"GET /admin/{$}":                                  allRoles,
	"GET /admin/account":                              allRoles,
	"POST /admin/account/password":                    allRoles,
	"POST /admin/account/lang":                        allRoles,
	"GET /admin/account/totp":                         allRoles,
	"POST /admin/account/totp":                        allRoles,
	"POST /admin/account/totp/remove":                 allRoles,
	"POST /admin/account/passkeys/begin":              allRoles,
	"POST /admin/account/passkeys/finish":             allRoles,
	"POST /admin/account/passkeys/remove":             allRoles,
	"POST /admin/account/sessions/revoke":             allRoles,
	"GET /admin/account/tokens":                       allRoles,
	"POST /admin/account/tokens":                      allRoles,
	"POST /admin/account/tokens/{id}/revoke":          allRoles,
	"GET /admin/users":                                {account.Owner},
	"GET /admin/users/new":                            {account.Owner},
	"POST /admin/users":                               {account.Owner},
	"GET /admin/users/{id}":                           {account.Owner},
	"POST /admin/users/{id}":                          {account.Owner},
	"POST /admin/users/{id}/disable":                  {account.Owner},
	"POST /admin/users/{id}/enable":                   {account.Owner},
	"POST /admin/users/{id}/unlock":                   {account.Owner},
	"POST /admin/users/{id}/reset-password":           {account.Owner},
	"POST /admin/users/{id}/reset-second-factor":      {account.Owner},
	"POST /admin/users/{id}/revoke-sessions":          {account.Owner},
	"POST /admin/tokens/{id}/revoke":                  {account.Owner},
	"GET /admin/audit":                                {account.Owner, account.Auditor},
	"POST /admin/audit/export":                        {account.Owner, account.Auditor},
	"POST /admin/audit/verify":                        {account.Owner, account.Auditor},
	"GET /admin/consent":                              {account.Owner, account.Analyst},
	"POST /admin/consent/export":                      {account.Owner, account.Analyst},
	"GET /admin/api/consent":                          {account.Owner, account.Analyst},
	"GET /admin/analytics":                            {account.Owner, account.Analyst},
	"GET /admin/analytics/export.csv":                 {account.Owner, account.Analyst},
	"GET /admin/analytics/realtime":                   {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/totals":          {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/series":          {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/top/{dimension}": {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/realtime":        {account.Owner, account.Analyst},
	"GET /admin/policy":                               {account.Owner, account.Analyst},
	"GET /admin/forms":                                {account.Owner, account.Handler, account.Contractor},
	"GET /admin/forms/{form}":                         {account.Owner, account.Handler, account.Contractor},
	"GET /admin/inbox":                                {account.Owner, account.Handler, account.Contractor},
	"GET /admin/inbox/{id}":                           {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/open":                     {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/status":                   {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/assign":                   {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/note":                     {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/reply":                    {account.Owner, account.Handler, account.Contractor},
	"GET /admin/requests":                             {account.Owner, account.Handler},
	"GET /admin/requests/{id}":                        {account.Owner, account.Handler},
	"POST /admin/requests/{id}/reveal":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/status":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/delete":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/disclose":              {account.Owner, account.Handler},
	"POST /admin/requests/{id}/export.json":           {account.Owner, account.Handler},
	"GET /admin/api/me":                               allRoles,
	"GET /admin/api/users":                            {account.Owner},
	"GET /admin/api/audit":                            {account.Owner, account.Auditor},
	"GET /admin/api/forms":                            {account.Owner, account.Handler, account.Contractor},
	"GET /admin/api/forms/{form}":                     {account.Owner, account.Handler, account.Contractor},
}

var allRoles = account.Roles()

func contains(roles []account.Role, r account.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// TestEveryRouteHasARule fails when a route is added to the console
// without a line in allowed, or when allowed names a route that is gone.
func TestEveryRouteHasARule(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	seen := map[string]bool{}
	for _, rt := range h.console.Routes() {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		switch rt.Access {
		case Signed, API:
			if _, ok := allowed[key]; !ok {
				t.Errorf("route %s has no access rule in this test", key)
			}
			if rt.Permission == "" {
				t.Errorf("route %s needs a role but names no permission", key)
			}
		default:
			if _, ok := allowed[key]; ok {
				t.Errorf("route %s is %s, yet the test lists roles for it", key, rt.Access)
			}
		}
	}
	for key := range allowed {
		if !seen[key] {
			t.Errorf("the test lists %s, which the console does not serve", key)
		}
	}
}

// TestRoleAccess signs in as each role and calls every route: the roles
// listed in allowed are served, all others get 403.
func TestRoleAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		users := map[account.Role]account.User{}
		tokens := map[account.Role]string{}
		for _, role := range allRoles {
			u := h.addUser(string(role)+"@example.jp", role)
			users[role] = u
			secret, _, err := h.accounts.CreateToken(ctx, u, "test", role, time.Time{}, h.clock.now())
			if err != nil {
				t.Fatal(err)
			}
			tokens[role] = secret
		}
		// The accounts and tokens that routes with {id} act on.
		target := h.addUser("target@example.jp", account.Analyst)
		_, targetToken, err := h.accounts.CreateToken(ctx, target, "target", account.Analyst, time.Time{}, h.clock.now())
		if err != nil {
			t.Fatal(err)
		}

		for _, rt := range h.console.Routes() {
			if rt.Access != Signed && rt.Access != API {
				continue
			}
			key := rt.Method + " " + rt.Pattern
			for _, role := range allRoles {
				t.Run(strings.ReplaceAll(key, "/", "_")+"/"+string(role), func(t *testing.T) {
					path := strings.NewReplacer("{$}", "", "{form}", "consultation-form", "{site}", testSite, "{dimension}", "path").Replace(rt.Pattern)
					id := target.ID
					if strings.Contains(path, "tokens/{id}") {
						id = targetToken.ID
						if strings.HasPrefix(path, "/admin/account/") {
							// One's own token: each role revokes a fresh one of its own.
							_, own, err := h.accounts.CreateToken(ctx, users[role], "to revoke", role, time.Time{}, h.clock.now())
							if err != nil {
								t.Fatal(err)
							}
							id = own.ID
						}
					}
					path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
					var resp response
					if rt.Access == API {
						resp = h.browser().bearer(rt.Method, path, tokens[role])
					} else {
						b := h.signedIn(users[role])
						if rt.Method == "GET" {
							resp = b.get(path)
						} else {
							resp = b.post(path, nil)
						}
					}
					want := contains(allowed[key], role)
					switch {
					case want && (resp.status == http.StatusForbidden || resp.status == http.StatusUnauthorized):
						t.Errorf("%s as %s: status %d, want it served\n%s", path, role, resp.status, resp.body)
					case !want && resp.status != http.StatusForbidden:
						t.Errorf("%s as %s: status %d, want 403", path, role, resp.status)
					}
				})
			}
		}
	})
}

// TestFormScope checks that handlers and contractors reach only the forms
// assigned to them, and contractors only until their access ends.
func TestFormScope(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	handler := h.addUser("handler@example.jp", account.Handler)
	contractor := h.addUser("contractor@example.jp", account.Contractor)
	owner := h.addUser("owner@example.jp", account.Owner)
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
		if got := h.signedIn(tt.user).get("/admin/forms/" + tt.form).status; got != tt.want {
			t.Errorf("%s on %s: status %d, want %d", tt.user.Role, tt.form, got, tt.want)
		}
		secret, _, err := h.accounts.CreateToken(ctx, tt.user, "scope", tt.user.Role, time.Time{}, h.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		if got := h.browser().bearer("GET", "/admin/api/forms/"+tt.form, secret).status; got != tt.want {
			t.Errorf("API: %s on %s: status %d, want %d", tt.user.Role, tt.form, got, tt.want)
		}
	}
	if list := h.signedIn(handler).get("/admin/forms").body; strings.Contains(list, "event-form") {
		t.Error("the handler's form list shows a form not assigned to it")
	}
	if denied := h.entries("access.denied"); len(denied) == 0 {
		t.Error("refused requests are not in the audit trail")
	}

	// Once the contractor's access ends, its session and token stop working.
	b := h.signedIn(contractor)
	secret, _, err := h.accounts.CreateToken(ctx, contractor, "late", account.Contractor, time.Time{}, h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	h.clock.advance(contractor.ExpiresAt.Sub(h.clock.now()) + time.Minute)
	if resp := b.get("/admin/forms/consultation-form"); resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.location, "/admin/login") {
		t.Errorf("expired contractor: status %d to %q, want a redirect to sign in", resp.status, resp.location)
	}
	if got := h.browser().bearer("GET", "/admin/api/forms", secret).status; got != http.StatusUnauthorized {
		t.Errorf("expired contractor's token: status %d, want 401", got)
	}
}

// TestCSRF posts to every state-changing route without the token, with a
// wrong one and from another site: all are refused and nothing changes.
func TestCSRF(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.addUser("owner@example.jp", account.Owner)
	target := h.addUser("target@example.jp", account.Analyst)
	for _, rt := range h.console.Routes() {
		if rt.Method != "POST" || rt.Access == API || rt.Access == Public {
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "{id}", strconv.FormatInt(target.ID, 10))
		for _, token := range []string{"", "wrong"} {
			b := h.signedIn(owner)
			if rt.Access == SecondFactor || rt.Access == Enrol {
				// These need a session at that stage; a full one is sent
				// elsewhere before its token is looked at, so test them
				// with the matching stage.
				continue
			}
			if resp := b.post(path, map[string][]string{"csrf": {token}}); resp.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf=%q: status %d, want 403", path, token, resp.status)
			}
		}
		b := h.signedIn(owner)
		req, _ := http.NewRequest("POST", h.srv.URL+path, strings.NewReader("csrf="+b.csrf))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp := b.do(req); resp.status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: status %d, want 403", path, resp.status)
		}
	}
	if u, _ := h.accounts.ByID(context.Background(), target.ID); !u.DisabledAt.IsZero() {
		t.Error("a refused request disabled the account anyway")
	}
	tokenRefusals := 0
	for _, e := range h.entries("access.denied") {
		if e.Detail["reason"] == "form token" && e.Actor == owner.Email {
			tokenRefusals++
		}
	}
	if tokenRefusals == 0 {
		t.Error("requests refused for their form token are not in the audit trail")
	}
	// The sign-in form, before any session, is protected by its own cookie.
	b := h.browser()
	if resp := b.post("/admin/login", map[string][]string{"csrf": {""}, "email": {owner.Email}, "password": {testPassword}}); resp.status != http.StatusForbidden {
		t.Errorf("sign-in without the form's token: status %d, want 403", resp.status)
	}
}
