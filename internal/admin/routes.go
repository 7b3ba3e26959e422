package admin

import (
	"net/http"

	"github.com/noren-web/noren/internal/account"
)

// Access is how a route authenticates its caller.
type Access string

// The kinds of access.
const (
	// Public routes are the sign-in pages: no session needed.
	Public Access = "public"
	// SecondFactor routes complete a sign-in whose password was right.
	SecondFactor Access = "second-factor"
	// Enrol routes let an account whose role needs a second factor enrol
	// one before anything else.
	Enrol Access = "enrol"
	// AnySession routes accept a session at any stage (signing out).
	AnySession Access = "any-session"
	// Signed routes need a fully signed-in session and the route's
	// permission.
	Signed Access = "signed"
	// API routes need an API token (Authorization: Bearer) whose role has
	// the route's permission.
	API Access = "api"
)

// Route describes one console route, for documentation and tests.
type Route struct {
	Method     string
	Pattern    string
	Access     Access
	Permission account.Permission // for Signed and API routes
	// FormScoped routes act on the form named by the {form} path value,
	// and are refused to accounts not assigned to it.
	FormScoped bool
}

// route is a Route with its handler.
type route struct {
	Route
	handle func(w http.ResponseWriter, r *http.Request, rq *Request)
}

// Routes returns every route the console serves.
func (c *Console) Routes() []Route {
	out := make([]Route, len(c.routes))
	for i, rt := range c.routes {
		out[i] = rt.Route
	}
	return out
}

func (c *Console) routeTable() []route {
	r := func(method, pattern string, access Access, perm account.Permission, h func(http.ResponseWriter, *http.Request, *Request)) route {
		return route{Route: Route{Method: method, Pattern: pattern, Access: access, Permission: perm}, handle: h}
	}
	const none = account.Permission("")
	return []route{
		r("GET", "/admin/login", Public, none, c.loginPage),
		r("POST", "/admin/login", Public, none, c.login),
		r("GET", "/admin/login/verify", SecondFactor, none, c.verifyPage),
		r("POST", "/admin/login/verify", SecondFactor, none, c.verify),
		r("GET", "/admin/login/enrol", Enrol, none, c.enrolPage),
		r("POST", "/admin/login/enrol", Enrol, none, c.enrol),
		r("POST", "/admin/login/passkey/begin", Public, none, c.passkeySignInBegin),
		r("POST", "/admin/login/passkey/finish", Public, none, c.passkeySignInFinish),
		r("POST", "/admin/login/passkey/verify/begin", SecondFactor, none, c.passkeyVerifyBegin),
		r("POST", "/admin/login/passkey/verify/finish", SecondFactor, none, c.passkeyVerifyFinish),
		r("POST", "/admin/login/passkey/enrol/begin", Enrol, none, c.passkeyEnrolBegin),
		r("POST", "/admin/login/passkey/enrol/finish", Enrol, none, c.passkeyEnrolFinish),
		r("POST", "/admin/logout", AnySession, none, c.logout),

		r("GET", "/admin/{$}", Signed, account.Console, c.home),
		r("GET", "/admin/account", Signed, account.Console, c.accountPage),
		r("POST", "/admin/account/password", Signed, account.Console, c.changePassword),
		r("POST", "/admin/account/lang", Signed, account.Console, c.changeLang),
		r("GET", "/admin/account/totp", Signed, account.Console, c.totpPage),
		r("POST", "/admin/account/totp", Signed, account.Console, c.totpEnrol),
		r("POST", "/admin/account/totp/remove", Signed, account.Console, c.totpRemove),
		r("POST", "/admin/account/passkeys/begin", Signed, account.Console, c.passkeyAddBegin),
		r("POST", "/admin/account/passkeys/finish", Signed, account.Console, c.passkeyAddFinish),
		r("POST", "/admin/account/passkeys/remove", Signed, account.Console, c.passkeyRemove),
		r("POST", "/admin/account/sessions/revoke", Signed, account.Console, c.revokeOwnSessions),
		r("GET", "/admin/account/tokens", Signed, account.Console, c.tokensPage),
		r("POST", "/admin/account/tokens", Signed, account.Console, c.createToken),
		r("POST", "/admin/account/tokens/{id}/revoke", Signed, account.Console, c.revokeToken),

		r("GET", "/admin/users", Signed, account.ManageUsers, c.usersPage),
		r("GET", "/admin/users/new", Signed, account.ManageUsers, c.newUserPage),
		r("POST", "/admin/users", Signed, account.ManageUsers, c.createUser),
		r("GET", "/admin/users/{id}", Signed, account.ManageUsers, c.userPage),
		r("POST", "/admin/users/{id}", Signed, account.ManageUsers, c.updateUser),
		r("POST", "/admin/users/{id}/disable", Signed, account.ManageUsers, c.disableUser),
		r("POST", "/admin/users/{id}/enable", Signed, account.ManageUsers, c.enableUser),
		r("POST", "/admin/users/{id}/unlock", Signed, account.ManageUsers, c.unlockUser),
		r("POST", "/admin/users/{id}/reset-password", Signed, account.ManageUsers, c.resetPassword),
		r("POST", "/admin/users/{id}/reset-second-factor", Signed, account.ManageUsers, c.resetSecondFactor),
		r("POST", "/admin/users/{id}/revoke-sessions", Signed, account.ManageUsers, c.revokeUserSessions),
		r("POST", "/admin/tokens/{id}/revoke", Signed, account.ManageUsers, c.revokeAnyToken),

		r("GET", "/admin/audit", Signed, account.ReadAudit, c.auditPage),
		r("POST", "/admin/audit/export", Signed, account.ReadAudit, c.auditExport),
		r("POST", "/admin/audit/verify", Signed, account.ReadAudit, c.auditVerify),

		r("GET", "/admin/policy", Signed, account.ReadPolicy, c.policyPage),

		r("GET", "/admin/api/me", API, account.Console, c.apiMe),
		r("GET", "/admin/api/users", API, account.ManageUsers, c.apiUsers),
		r("GET", "/admin/api/audit", API, account.ReadAudit, c.apiAudit),
	}
}
