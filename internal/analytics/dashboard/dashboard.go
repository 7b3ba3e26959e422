// Package dashboard is the analytics section of the console: the
// dashboard at /admin/analytics with its CSV export and realtime figure,
// and the analytics JSON API under /admin/api/analytics/.
package dashboard

import (
	"net/http"
	"slices"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
)

// Options configure a Dashboard.
type Options struct {
	// Reader answers the dashboard and its API; nil leaves the dashboard
	// saying that analytics is not configured.
	Reader analytics.Reader
	// Sites are the site domains the dashboard offers, the default first.
	Sites []string
}

// Dashboard is the analytics section of the console.
type Dashboard struct {
	opt Options
}

// New returns the dashboard; the console serves it once it is among its
// sections.
func New(opt Options) *Dashboard { return &Dashboard{opt: opt} }

// pageName is the dashboard's template, templates/analytics/dashboard.html.
const pageName = "dashboard"

// ConsoleSection returns the dashboard's routes, page and menu entry.
func (d *Dashboard) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{reader: d.opt.Reader, sites: slices.Clone(d.opt.Sites), c: c}
	signed := func(method, pattern string, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: method, Pattern: pattern, Access: admin.Signed, Permission: account.ReadAnalytics}, Serve: h}
	}
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: "GET", Pattern: pattern, Access: admin.API, Permission: account.ReadAnalytics}, Serve: h}
	}
	return admin.Section{
		Name:  "analytics",
		Pages: []string{"templates/analytics/" + pageName + ".html"},
		Nav:   []admin.NavItem{{Href: "/admin/analytics", Key: "nav.analytics", Permission: account.ReadAnalytics, Order: 20}},
		Routes: []admin.Handler{
			signed("GET", "/admin/analytics", s.page),
			signed("GET", "/admin/analytics/export.csv", s.export),
			signed("GET", "/admin/analytics/realtime", s.realtime),
			api("/admin/api/analytics/{site}/totals", s.apiTotals),
			api("/admin/api/analytics/{site}/series", s.apiSeries),
			api("/admin/api/analytics/{site}/top/{dimension}", s.apiTop),
			api("/admin/api/analytics/{site}/realtime", s.apiRealtime),
		},
	}, nil
}

// section serves the dashboard's routes through the console.
type section struct {
	reader analytics.Reader
	sites  []string
	c      *admin.Console
}

// site returns the site a request names (the first configured one when it
// names none), and false when it names another.
func (s *section) site(name string) (string, bool) {
	if len(s.sites) == 0 {
		return "", false
	}
	if name == "" {
		return s.sites[0], true
	}
	return name, slices.Contains(s.sites, name)
}
