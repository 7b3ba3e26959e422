// Package admin is Noren's administration console at /admin/ and its JSON
// API at /admin/api/: sign-in with a password and a second factor, the
// accounts and their roles, sessions, API tokens, and the audit trail.
//
// Every route is declared once in the route table (routes.go) with the
// permission it needs; the table is the only way a handler is reached, so
// a route cannot exist without a rule, and the tests walk the same table.
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
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/manifest"
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
	// Consent holds visitors' consent records, for the statistics page;
	// nil leaves the page empty.
	Consent *consent.Records
	// Analytics answers the analytics dashboard and its API; nil leaves
	// the dashboard saying that analytics is not configured.
	Analytics analytics.Reader
	// AnalyticsSites are the site domains the dashboard offers, the
	// default first.
	AnalyticsSites []string
	// Location is the site's time zone: the dashboard and the consent
	// statistics count their days and months in it, and every time the
	// console shows is written in it, the zone named. nil means UTC.
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

	// Inbox holds the contact forms' submissions; nil leaves the inbox
	// page saying that submissions are not configured.
	Inbox *contact.Inbox
	// Mailer sends replies to submissions and answers to data-subject
	// requests; nil turns both off, and the pages say so.
	Mailer Mailer
	// Requests holds the data-subject requests; nil leaves the requests
	// page saying that requests are not configured.
	Requests *dsr.Handler
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
	pages, err := parsePages(opt.Templates)
	if err != nil {
		return nil, err
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
		pages:     pages,
		throttle:  newThrottle(opt.AddressFailures, opt.AddressWindow),
		crossSite: http.NewCrossOriginProtection(),
		passkeys:  keys,
	}
	c.routes = c.routeTable()
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

// Run prunes ended sessions, stale throttle entries and sign-in failures
// until ctx is done.
func (c *Console) Run(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		now := c.now()
		c.throttle.prune(now)
		// Ended sessions stay listed for a week, for the owner's review.
		if _, err := c.accounts.DeleteOldSessions(ctx, now.Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			c.log.Error("delete old sessions", "err", err)
		}
		if _, err := c.accounts.DeleteStaleFailures(ctx, c.opt.LockoutDuration, now); err != nil && ctx.Err() == nil {
			c.log.Error("delete stale sign-in failures", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// record appends an entry to the audit trail. A failure to audit is logged
// loudly but does not undo what was done: the action has happened, and the
// log line is then the only trace of it.
func (c *Console) record(ctx context.Context, e audit.Entry) {
	if _, err := c.trail.Append(ctx, e); err != nil {
		c.log.Error("audit trail append failed", "action", e.Action, "actor", e.Actor, "object", e.Object, "err", err)
	}
}

func userObject(id int64) string { return fmt.Sprintf("user:%d", id) }
