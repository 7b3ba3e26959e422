package admin

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/manifest"
)

// Capability is a part of Noren with pages in the console (the analytics
// dashboard, the contact inbox, data-subject requests, consent
// statistics). The console calls ConsoleSection once, while it is built,
// with itself as the shell the section's handlers render through.
type Capability interface {
	ConsoleSection(c *Console) (Section, error)
}

// Section is what a capability adds to the console: routes, each with the
// permission it needs, the pages they render inside the console's layout,
// and entries in the menu. The console guards every route by its table, as
// it guards its own, and lists them all in Routes.
type Section struct {
	// Name names the section in errors.
	Name string
	// Pages are template files of Options.Templates, each parsed with the
	// console's layout and partials and rendered by its base name without
	// ".html".
	Pages []string
	// Funcs are the template functions the section's pages call.
	Funcs template.FuncMap
	// Nav are the section's menu entries.
	Nav []NavItem
	// Routes are the section's routes.
	Routes []Handler
}

// NavItem is an entry of the console's menu, shown to the roles that have
// its permission, in ascending Order.
type NavItem struct {
	Href       string
	Key        string // message key of the label
	Permission account.Permission
	Order      int
}

// Handler is a console route and what serves it once the guard has let the
// caller in.
type Handler struct {
	Route
	Serve func(w http.ResponseWriter, r *http.Request, rq *Request)
}

// The shell's menu entries, with gaps between their orders for the
// sections' entries.
var shellNav = []NavItem{
	{Href: "/admin/", Key: "nav.home", Permission: account.Console, Order: 10},
	{Href: "/admin/policy", Key: "nav.policy", Permission: account.ReadPolicy, Order: 70},
	{Href: "/admin/users", Key: "nav.users", Permission: account.ManageUsers, Order: 80},
	{Href: "/admin/audit", Key: "nav.audit", Permission: account.ReadAudit, Order: 90},
	{Href: "/admin/account", Key: "nav.account", Permission: account.Console, Order: 100},
}

// addSections asks each capability for its section and adds its routes,
// menu entries and template functions to the console's.
func (c *Console) addSections(caps []Capability) (pages []string, funcs template.FuncMap, err error) {
	funcs = template.FuncMap{}
	for k, v := range templateFuncs {
		funcs[k] = v
	}
	c.nav = slices.Clone(shellNav)
	for _, capability := range caps {
		s, err := capability.ConsoleSection(c)
		if err != nil {
			return nil, nil, fmt.Errorf("admin: console section of %T: %w", capability, err)
		}
		for name, f := range s.Funcs {
			if _, taken := funcs[name]; taken {
				return nil, nil, fmt.Errorf("admin: section %s: template function %q is already defined", s.Name, name)
			}
			funcs[name] = f
		}
		for _, h := range s.Routes {
			c.routes = append(c.routes, route{Route: h.Route, handle: h.Serve})
		}
		c.nav = append(c.nav, s.Nav...)
		pages = append(pages, s.Pages...)
	}
	slices.SortStableFunc(c.nav, func(a, b NavItem) int { return a.Order - b.Order })
	return pages, funcs, nil
}

// Manifest returns the manifest in force.
func (c *Console) Manifest() *manifest.Manifest { return c.opt.Manifest() }

// Location returns the site's time zone, in which sections count their
// days and months.
func (c *Console) Location() *time.Location {
	if c.opt.Location == nil {
		return time.UTC
	}
	return c.opt.Location
}

// Now returns the console's clock's time.
func (c *Console) Now() time.Time { return c.now() }

// Logger returns the console's logger.
func (c *Console) Logger() *slog.Logger { return c.log }

// Lang returns the caller's language.
func (rq *Request) Lang() string { return string(rq.lang) }

// User returns the signed-in account.
func (rq *Request) User() account.User { return rq.user }

// Role returns the caller's role: the account's, or its token's for API
// calls.
func (rq *Request) Role() account.Role { return rq.role }

// Entry starts an audit entry for the caller.
func (rq *Request) Entry(action, object string, outcome audit.Outcome) audit.Entry {
	return rq.entry(action, object, outcome)
}

// Audit appends an entry to the audit trail and returns its error, for an
// action that must not happen unrecorded (an export): the caller goes on
// only when it is nil.
func (c *Console) Audit(ctx context.Context, e audit.Entry) error {
	if _, err := c.trail.Append(ctx, e); err != nil {
		return fmt.Errorf("admin: audit %s of %s: %w", e.Action, e.Object, err)
	}
	return nil
}

// Accounts returns the console's accounts, for sections that show or
// choose staff.
func (c *Console) Accounts() *account.Store { return c.accounts }

// Deny refuses a request as the guard does, in the audit trail too.
func (c *Console) Deny(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.Record(r.Context(), rq.entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied))
	c.Fail(w, r, rq, http.StatusForbidden, "error.forbidden")
}
