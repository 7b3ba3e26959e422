// Package admin is the shell of Noren's administration console at /admin/
// and its JSON API at /admin/api/: sign-in with a password and a second
// factor, the accounts and their roles, sessions, API tokens, CSRF, the
// policy and the audit trail, the layout and the menu. The other parts of
// Noren add their pages as sections (Capability).
//
// Every route is declared once with the permission it needs, the shell's
// in routes.go and the others in their sections; the console's route table
// is built from these alone and is the only way a handler is reached, so a
// route cannot exist without a rule, and the tests walk the same table.
package admin

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/ratelimit"
)

// Prefix is the path the console and its API are served under; its
// responses get the console's own Content-Security-Policy
// (server.HeaderPolicy.ConsolePrefix).
const Prefix = "/admin/"

// Options configure a Console.
type Options struct {
	Accounts *account.Store
	Trail    *audit.Trail
	// Manifest returns the manifest in force.
	Manifest func() *manifest.Manifest
	// Templates holds templates/admin/*.html and templates/admin/layout.html.
	Templates fs.FS
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	SessionIdle      time.Duration
	SessionAbsolute  time.Duration
	LockoutThreshold int
	LockoutDuration  time.Duration
	AddressFailures  int
	AddressWindow    time.Duration
	// RateLimits, when set, keeps the counts of AddressFailures in the
	// database, shared by every instance on it; nil keeps them in this
	// process's memory.
	RateLimits *ratelimit.Shared
	// Location is the site's time zone: sections such as the analytics
	// dashboard and the consent statistics count their days and months in
	// it, and every time the console shows is written in it, the zone
	// named. nil means UTC.
	Location *time.Location
	// TOTPIssuer names Noren in authenticator apps.
	TOTPIssuer string

	// WebAuthnRPID is the host name passkeys are bound to, such as
	// www.example.jp; empty turns passkeys off.
	WebAuthnRPID string
	// WebAuthnOrigins are the origins the console is reached at, such as
	// https://www.example.jp:8443. Empty means https:// and the
	// relying-party id, or for a localhost id, the scheme and port each
	// request arrives with.
	WebAuthnOrigins []string
	// WebAuthnRPName names Noren in passkey prompts; empty means "Noren".
	WebAuthnRPName string

	// Sections are the capabilities whose pages the console serves.
	Sections []Capability
}

// Console serves the administration console.
type Console struct {
	opt       Options
	accounts  *account.Store
	trail     *audit.Trail
	log       *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template
	throttle  *throttle
	crossSite *http.CrossOriginProtection
	routes    []route
	nav       []NavItem
	passkeys  *passkeys // nil when passkeys are off
}

// New returns a console; call Register to serve it.
func New(opt Options) (*Console, error) {
	if opt.Accounts == nil || opt.Trail == nil || opt.Manifest == nil || opt.Templates == nil {
		return nil, errors.New("admin: Accounts, Trail, Manifest and Templates are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	keys, err := newPasskeys(opt)
	if err != nil {
		return nil, err
	}
	c := &Console{
		opt:       opt,
		accounts:  opt.Accounts,
		trail:     opt.Trail,
		log:       opt.Logger,
		now:       opt.Now,
		throttle:  newThrottle(opt.AddressFailures, opt.AddressWindow, opt.RateLimits, opt.Logger),
		crossSite: http.NewCrossOriginProtection(),
		passkeys:  keys,
	}
	c.routes = c.routeTable()
	sectionPages, funcs, err := c.addSections(opt.Sections)
	if err != nil {
		return nil, err
	}
	if c.pages, err = parsePages(opt.Templates, funcs, sectionPages); err != nil {
		return nil, err
	}
	return c, nil
}

// Register adds every console route to mux.
func (c *Console) Register(mux *http.ServeMux) {
	for _, rt := range c.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, c.guard(rt))
	}
	// Anything else under /admin/ is the console's own 404, not the site's.
	mux.Handle("/admin/", http.HandlerFunc(c.notFound))
}

// Housekeep prunes ended sessions and sign-in failures; it is run hourly.
// The throttle forgets its own.
func (c *Console) Housekeep(ctx context.Context) error {
	now := c.now()
	var errs []error
	// Ended sessions stay listed for a week, for the owner's review.
	if _, err := c.accounts.DeleteOldSessions(ctx, now.Add(-7*24*time.Hour)); err != nil {
		errs = append(errs, fmt.Errorf("admin: delete old sessions: %w", err))
	}
	if _, err := c.accounts.DeleteStaleFailures(ctx, c.opt.LockoutDuration, now); err != nil {
		errs = append(errs, fmt.Errorf("admin: delete stale sign-in failures: %w", err))
	}
	return errors.Join(errs...)
}

// Record appends an entry to the audit trail. A failure to audit is logged
// loudly but does not undo what was done: the action has happened, and the
// log line is then the only trace of it.
func (c *Console) Record(ctx context.Context, e audit.Entry) {
	if _, err := c.trail.Append(ctx, e); err != nil {
		c.log.Error("audit trail append failed", "action", e.Action, "actor", e.Actor, "object", e.Object, "err", err)
	}
}

// UserObject names an account in the audit trail.
func UserObject(id int64) string { return fmt.Sprintf("user:%d", id) }
