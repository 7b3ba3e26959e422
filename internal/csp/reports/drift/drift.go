// Package drift is the console's page of the Content-Security-Policy
// reports: the hosts visitors' browsers were kept from contacting in the
// last 30 days, which the manifest did not declare when they were
// blocked, at /admin/csp. It is the drift a scheduled scan misses: tags
// shown to some visitors only, pages the crawler never reaches.
package drift

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/csp/reports"
)

// Options configure the section.
type Options struct {
	// Store holds the daily counts; nil shows the reports as off.
	Store *reports.Store
	// Declared reports whether the manifest in force declares host for
	// one of its tools, so that the page tells a host since declared
	// from one still undeclared. Nil means none is.
	Declared func(host string) bool
}

// Pages is the section.
type Pages struct {
	opt Options
}

// New returns the section; the console serves it once it is among its
// sections.
func New(opt Options) *Pages { return &Pages{opt: opt} }

// PagePath is the section's page.
const PagePath = "/admin/csp"

// pageName is the template, web/templates/csp/console-csp.html.
const pageName = "console-csp"

// ConsoleSection returns the section's route, page and menu entry.
func (p *Pages) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{opt: p.opt, c: c}
	return admin.Section{
		Name:  "csp",
		Pages: []string{"templates/csp/" + pageName + ".html"},
		Nav:   []admin.NavItem{{Href: PagePath, Key: "csp.nav", Permission: account.ReadScans, Order: 68}},
		Routes: []admin.Handler{
			{Route: admin.Route{Method: "GET", Pattern: PagePath, Access: admin.Signed, Permission: account.ReadScans}, Serve: s.page},
		},
	}, nil
}

type section struct {
	opt Options
	c   *admin.Console
}

// Days is how far back the page counts, today included.
const Days = 30

// topPaths is how many paths the page lists for a host.
const topPaths = 5

// Host is what the page shows of one blocked host or keyword label.
type Host struct {
	Host       string
	Reports    int64
	Directives []string
	Paths      []Path
	// MorePaths counts the paths past those listed.
	MorePaths   int
	First, Last time.Time
	// Declared says the manifest in force declares the host: it was
	// blocked under an earlier manifest.
	Declared bool
}

// Path is a page path and how many reports came from it.
type Path struct {
	Path    string
	Reports int64
}

// view is the page's data.
type view struct {
	Enabled bool
	Error   bool
	Hosts   []Host
	// Inline are the keyword labels: code without a host, blocked.
	Inline []Host
	// Other counts what was past the caps, under no host.
	Other int64
}

func (s *section) page(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	v := view{Enabled: s.opt.Store != nil}
	if v.Enabled {
		var err error
		if v.Hosts, v.Inline, v.Other, err = s.hosts(r.Context()); err != nil {
			s.c.Logger().Error("csp reports console: read the counts", "err", err)
			v.Error = true
		}
	}
	s.c.Render(w, r, rq, http.StatusOK, pageName, "csp.title", v)
}

// hosts reads the last Days days and sums them by host, the most
// reported first.
func (s *section) hosts(ctx context.Context) (hosts, inline []Host, other int64, err error) {
	loc := s.c.Location()
	from := reports.Day(s.c.Now().In(loc).AddDate(0, 0, 1-Days), loc)
	rows, err := s.opt.Store.Since(ctx, from)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read the reports since %s: %w", from, err)
	}
	by := make(map[string]*Host)
	// A host's paths are summed in a map: forged reports can give one
	// host every row of every day, tens of thousands of paths.
	paths := make(map[string]map[string]int64)
	for _, row := range rows {
		if row.Host == reports.Other {
			other += row.Count
			continue
		}
		h := by[row.Host]
		if h == nil {
			h = &Host{Host: row.Host, First: row.First, Last: row.Last}
			by[row.Host] = h
		}
		h.Reports += row.Count
		if !slices.Contains(h.Directives, row.Directive) {
			h.Directives = append(h.Directives, row.Directive)
		}
		if paths[row.Host] == nil {
			paths[row.Host] = make(map[string]int64)
		}
		paths[row.Host][row.Path] += row.Count
		if row.First.Before(h.First) {
			h.First = row.First
		}
		if row.Last.After(h.Last) {
			h.Last = row.Last
		}
	}
	for _, h := range by {
		for p, n := range paths[h.Host] {
			h.Paths = append(h.Paths, Path{Path: p, Reports: n})
		}
		slices.Sort(h.Directives)
		slices.SortFunc(h.Paths, func(a, b Path) int {
			return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(a.Path, b.Path))
		})
		if len(h.Paths) > topPaths {
			h.MorePaths = len(h.Paths) - topPaths
			h.Paths = h.Paths[:topPaths]
		}
		if reports.IsLabel(h.Host) {
			inline = append(inline, *h)
			continue
		}
		h.Declared = s.opt.Declared != nil && s.opt.Declared(h.Host)
		hosts = append(hosts, *h)
	}
	order := func(a, b Host) int { return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(a.Host, b.Host)) }
	slices.SortFunc(hosts, order)
	slices.SortFunc(inline, order)
	return hosts, inline, other, nil
}
