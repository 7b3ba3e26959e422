package account

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what an account may do. Roles are fixed: each matches a kind of
// person the privacy policy names, so that what they may see follows from
// why they are there.
type Role string

// The roles.
const (
	// Owner runs the site's privacy layer and may do everything.
	Owner Role = "owner"
	// Analyst reads analytics and consent statistics, never personal data.
	Analyst Role = "analyst"
	// Handler answers the submissions of the forms assigned to them.
	Handler Role = "handler"
	// Contractor is an entrusted external party: like Handler, but only for
	// named forms and only until an expiry date.
	Contractor Role = "contractor"
	// Auditor reads the audit trail and nothing else.
	Auditor Role = "auditor"
)

// Roles lists every role, most powerful first.
func Roles() []Role { return []Role{Owner, Analyst, Handler, Contractor, Auditor} }

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles(), r) {
		return r, nil
	}
	names := make([]string, 0, len(Roles()))
	for _, r := range Roles() {
		names = append(names, string(r))
	}
	return "", fmt.Errorf("unknown role %q: want one of %s", s, strings.Join(names, ", "))
}

// Permission is one kind of access the console and its API check on every
// request.
type Permission string

// The permissions. A route names exactly one.
const (
	// Console covers what every signed-in account needs: its home page,
	// its own account, sessions and API tokens.
	Console Permission = "console"
	// ManageUsers covers other people's accounts and sessions.
	ManageUsers Permission = "users.manage"
	// ReadAudit covers reading and exporting the audit trail.
	ReadAudit Permission = "audit.read"
	// ReadAnalytics covers the analytics dashboard.
	ReadAnalytics Permission = "analytics.read"
	// ReadConsentStats covers consent statistics, which hold no personal data.
	ReadConsentStats Permission = "consent.stats"
	// ReadPolicy covers the manifest and policy versions in force.
	ReadPolicy Permission = "policy.read"
	// HandleSubmissions covers the submissions of forms; which forms is
	// decided per account by User.MayHandleForm.
	HandleSubmissions Permission = "submissions.handle"
	// HandleRequests covers data-subject requests, which are not tied to
	// any one form: contractors, whose access is scoped to forms, do not
	// get it.
	HandleRequests Permission = "requests.handle"
	// ManageSearch covers starting a reading of the whole site for the
	// search index: real work for the server, so the owner's alone.
	ManageSearch Permission = "search.manage"
	// ReadScans covers the scanner's results and history and the
	// Content-Security-Policy reports of visitors' browsers: evidence an
	// auditor checks the policy against, holding no personal data.
	ReadScans Permission = "scan.read"
	// RunScans covers starting a scan of the site: a browser driven
	// through every page, real work for the server, so the owner's alone.
	RunScans Permission = "scan.run"
	// ReadMail covers the queue of outgoing mail: states, attempts and
	// errors, never an address or a text, so an auditor may check that
	// the notices the law requires went out.
	ReadMail Permission = "mail.read"
	// ManageMail covers retrying or discarding a message that could not be
	// delivered, which decides whether a person is told: the owner's alone.
	ManageMail Permission = "mail.manage"
)

var grants = map[Role][]Permission{
	Owner:      {Console, ManageUsers, ReadAudit, ReadAnalytics, ReadConsentStats, ReadPolicy, HandleSubmissions, HandleRequests, ManageSearch, ReadScans, RunScans, ReadMail, ManageMail},
	Analyst:    {Console, ReadAnalytics, ReadConsentStats, ReadPolicy},
	Handler:    {Console, HandleSubmissions, HandleRequests},
	Contractor: {Console, HandleSubmissions},
	Auditor:    {Console, ReadAudit, ReadScans, ReadMail},
}

// Can reports whether the role carries the permission.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// ReadsPersonalData reports whether the role can see personal data, and so
// must sign in with a second factor.
func (r Role) ReadsPersonalData() bool {
	return r.Can(HandleSubmissions) || r.Can(HandleRequests) || r.Can(ManageUsers)
}

// MayDelegate reports whether an account with role r may create an API
// token acting as role t: owners may issue any role, others only their own.
func (r Role) MayDelegate(t Role) bool { return r == Owner || r == t }

// FormScoped reports whether the role is limited to the forms assigned to
// the account.
func (r Role) FormScoped() bool { return r == Handler || r == Contractor }
