package admintest

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
)

// Form is the form AddUser assigns to handlers and contractors; it is in
// the console's test manifest.
const Form = "consultation-form"

// otherForm is a form no account made by the harness is assigned to.
const otherForm = "no-form-of-theirs"

// Targets are what the checks that call every route put in the
// wildcards of its pattern. A key is the beginning of a pattern up to and
// including a wildcard, such as "/admin/inbox/{id}", and its value that
// wildcard's value for every pattern beginning so, such as a submission's
// id; the longest key that fits wins. An empty value leaves the routes
// beginning so out of the page checks: their pages need a record the
// caller has not made, and their section's tests check them. Wildcards no
// key fills get: {$} nothing, {form} Form, {site} Site, {dimension}
// "path", and {id} an account's id.
type Targets map[string]string

// fill returns the path of pattern, or ok false when targets leave it out.
func (tg Targets) fill(pattern, account string) (path string, ok bool) {
	keys := make([]string, 0, len(tg))
	for k := range tg {
		keys = append(keys, k)
	}
	// Longest first, so that a key for a deeper route wins.
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	for _, k := range keys {
		if !strings.HasPrefix(pattern, k) {
			continue
		}
		v := tg[k]
		if v == "" {
			return "", false
		}
		open := strings.LastIndex(k, "{")
		if open < 0 {
			continue
		}
		pattern = k[:open] + v + pattern[len(k):]
		break
	}
	return strings.NewReplacer("{$}", "", "{form}", Form, "{site}", Site, "{dimension}", "path", "{id}", account).Replace(pattern), true
}

// guarded reports whether a route needs a role.
func guarded(rt admin.Route) bool { return rt.Access == admin.Signed || rt.Access == admin.API }

// CheckRules fails unless rules list, for every route of the console
// that needs a role ("GET /admin/users"), exactly the roles its
// permission admits, and no other route. Written out in a test, rules
// make a change to a route's permission, or a route added or gone, show
// up there.
func CheckRules(t *testing.T, h *Harness, rules map[string][]account.Role) {
	t.Helper()
	seen := map[string]bool{}
	for _, rt := range h.Console.Routes() {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		want, listed := rules[key]
		if !guarded(rt) {
			if listed {
				t.Errorf("route %s is %s, yet the rules list roles for it", key, rt.Access)
			}
			continue
		}
		if !listed {
			t.Errorf("route %s has no rule", key)
			continue
		}
		if rt.Permission == "" {
			t.Errorf("route %s needs a role but names no permission", key)
		}
		var got []account.Role
		for _, role := range account.Roles() {
			if role.Can(rt.Permission) {
				got = append(got, role)
			}
		}
		if !sameRoles(got, want) {
			t.Errorf("route %s admits %v by its permission %s, the rules say %v", key, got, rt.Permission, want)
		}
	}
	for key := range rules {
		if !seen[key] {
			t.Errorf("the rules list %s, which the console does not serve", key)
		}
	}
}

func sameRoles(a, b []account.Role) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// CheckAccess calls every route of the console that needs a role, as
// every role, with a session for console routes and an API token for API
// routes: the roles whose permission admits the route, and for a
// form-scoped route whose forms include the one named, are served; all
// others get 403, on record in the audit trail. A session does not open
// an API route, nor a token a console route. Then every state-changing
// route refuses a post without the session's form token, with a wrong
// one, and from another site, and the sign-in pages' posts refuse one
// without their cookie. The harness's clock must not be past a
// contractor's access.
func CheckAccess(t *testing.T, h *Harness, targets Targets) {
	t.Helper()
	ctx := context.Background()
	users := map[account.Role]account.User{}
	tokens := map[account.Role]string{}
	for _, role := range account.Roles() {
		u := h.AddUser("access-"+string(role)+"@example.jp", role)
		users[role] = u
		secret, _, err := h.Accounts.CreateToken(ctx, u, "access", role, time.Time{}, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = secret
	}
	// The account that routes with an {id} act on.
	target := h.AddUser("access-target@example.jp", account.Analyst)
	id := strconv.FormatInt(target.ID, 10)

	type denial struct{ actor, object string }
	var denied []denial
	call := func(rt admin.Route, role account.Role, path string) Response {
		if rt.Access == admin.API {
			return h.Browser().Bearer(rt.Method, path, tokens[role])
		}
		b := h.SignedIn(users[role])
		if rt.Method == http.MethodGet {
			return b.Get(path)
		}
		return b.Post(path, nil)
	}
	for _, rt := range h.Console.Routes() {
		if !guarded(rt) {
			continue
		}
		path, _ := targets.fill(rt.Pattern, id)
		forms := []string{Form}
		if rt.FormScoped {
			forms = append(forms, otherForm)
		}
		for _, form := range forms {
			p := path
			if form != Form {
				p = strings.Replace(path, "/"+Form, "/"+form, 1)
			}
			for _, role := range account.Roles() {
				u := users[role]
				want := role.Can(rt.Permission) && (!rt.FormScoped || u.MayHandleForm(form))
				resp := call(rt, role, p)
				switch {
				case want && (resp.Status == http.StatusForbidden || resp.Status == http.StatusUnauthorized):
					t.Errorf("%s %s as %s: status %d, want it served\n%s", rt.Method, p, role, resp.Status, resp.Body)
				case !want && resp.Status != http.StatusForbidden:
					t.Errorf("%s %s as %s: status %d, want 403", rt.Method, p, role, resp.Status)
				case !want:
					denied = append(denied, denial{u.Email, rt.Method + " " + p})
				}
			}
		}
		owner := users[account.Owner]
		if rt.Access == admin.API {
			b := h.SignedIn(owner)
			req, _ := http.NewRequest(rt.Method, h.Server.URL+path, nil)
			if resp := b.Do(req); resp.Status != http.StatusUnauthorized {
				t.Errorf("%s %s with a session and no token: status %d, want 401", rt.Method, path, resp.Status)
			}
		} else if resp := h.Browser().Bearer(rt.Method, path, tokens[account.Owner]); resp.Status != http.StatusUnauthorized &&
			(resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login")) {
			t.Errorf("%s %s with a token and no session: status %d, want it sent to sign in", rt.Method, path, resp.Status)
		}
	}
	recorded := map[denial]bool{}
	for _, e := range h.Entries("access.denied") {
		// A token's calls name the token after the account.
		actor, _, _ := strings.Cut(e.Actor, " ")
		recorded[denial{actor, e.Object}] = true
	}
	for _, d := range denied {
		if !recorded[d] {
			t.Errorf("the refusal of %s to %s is not in the audit trail", d.object, d.actor)
		}
	}
	checkCSRF(t, h, users[account.Owner], id, targets)
}

// checkCSRF posts to every state-changing route of a session without the
// form token, with a wrong one and from another site, and to the sign-in
// pages without their cookie: all are refused.
func checkCSRF(t *testing.T, h *Harness, owner account.User, id string, targets Targets) {
	t.Helper()
	for _, rt := range h.Console.Routes() {
		if rt.Method != http.MethodPost || rt.Access == admin.API || rt.Access == admin.SecondFactor || rt.Access == admin.Enrol {
			// API calls carry no cookie to forge with; the stages of a
			// sign-in are sent elsewhere before their token is looked at.
			continue
		}
		path, _ := targets.fill(rt.Pattern, id)
		if rt.Access == admin.Public {
			if resp := h.Browser().Post(path, map[string][]string{"csrf": {""}}); resp.Status != http.StatusForbidden {
				t.Errorf("POST %s without the sign-in form's cookie: status %d, want 403", path, resp.Status)
			}
			continue
		}
		for _, token := range []string{"", "wrong"} {
			if resp := h.SignedIn(owner).Post(path, map[string][]string{"csrf": {token}}); resp.Status != http.StatusForbidden {
				t.Errorf("POST %s with csrf=%q: status %d, want 403", path, token, resp.Status)
			}
		}
		b := h.SignedIn(owner)
		req, _ := http.NewRequest(http.MethodPost, h.Server.URL+path, strings.NewReader("csrf="+b.CSRF))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp := b.Do(req); resp.Status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: status %d, want 403", path, resp.Status)
		}
	}
	refusals := 0
	for _, e := range h.Entries("access.denied") {
		if e.Detail["reason"] == "form token" && e.Actor == owner.Email {
			refusals++
		}
	}
	if refusals == 0 {
		t.Error("requests refused for their form token are not in the audit trail")
	}
}
