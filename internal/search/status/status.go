// Package status is the site search's section of the console: the state
// of the index at /admin/search, the owner's button that indexes the site
// again, and the searches of the last 30 days that found nothing, read
// from the analytics, with a link to them in the dashboard.
package status

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/search"
)

// Options configure the search section.
type Options struct {
	// Status reports the index and its runs; nil shows search as off.
	Status func() search.Status
	// Reindex starts an indexing run in the background, so that what
	// changed is found now rather than on the schedule, and reports false
	// when a run is already under way.
	Reindex func() bool
	// Reader reads the analytics the zero-result searches come from; nil
	// leaves them out.
	Reader analytics.Reader
	// Site is the analytics site whose searches are read.
	Site string
}

// Pages is the search section of the console.
type Pages struct {
	opt Options
}

// New returns the search section; the console serves it once it is among
// its sections.
func New(opt Options) *Pages { return &Pages{opt: opt} }

// pageName is the section's template, web/templates/search/console-search.html.
const pageName = "console-search"

// Paths of the section.
const (
	pagePath    = "/admin/search"
	reindexPath = "/admin/search/reindex"
)

// ConsoleSection returns the section's routes, page and menu entry.
func (p *Pages) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{opt: p.opt, c: c}
	return admin.Section{
		Name:  "search",
		Pages: []string{"templates/search/" + pageName + ".html"},
		Nav:   []admin.NavItem{{Href: pagePath, Key: "searchconsole.nav", Permission: account.ReadAnalytics, Order: 65}},
		Routes: []admin.Handler{
			{Route: admin.Route{Method: "GET", Pattern: pagePath, Access: admin.Signed, Permission: account.ReadAnalytics}, Serve: s.page},
			{Route: admin.Route{Method: "POST", Pattern: reindexPath, Access: admin.Signed, Permission: account.ManageSearch}, Serve: s.reindex},
		},
	}, nil
}

// section serves the search routes through the console.
type section struct {
	opt Options
	c   *admin.Console
}

// zeroDays is how far back the zero-result searches are counted.
const zeroDays = 30

// zeroRows is how many zero-result searches the page lists.
const zeroRows = 10

// maxErrors bounds the failed documents the page lists.
const maxErrors = 100

// view is the search page's data.
type view struct {
	Enabled   bool
	Documents int
	Size      string
	LastRun   time.Time
	LastTook  string
	Running   bool
	Progress  search.Progress
	// Percent is the share of the run done, -1 while the total is unknown.
	Percent    int
	Errors     []search.DocumentError
	MoreErrors int // errors past those listed
	CanReindex bool
	// Zero are the searches that found nothing; ZeroError says they could
	// not be read.
	Analytics bool
	Zero      []analytics.Row
	ZeroError bool
	Dashboard string
}

func (s *section) page(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	v := view{CanReindex: rq.Role().Can(account.ManageSearch), Percent: -1, Dashboard: dashboardLink()}
	if s.opt.Status != nil {
		st := s.opt.Status()
		v.Enabled = true
		v.Documents, v.Size, v.LastRun = st.Documents, formatSize(st.SizeBytes), st.LastRun
		if !st.LastRun.IsZero() {
			v.LastTook = formatTook(st.LastTook)
		}
		v.Running, v.Progress = st.Running, st.Progress
		if st.Running && st.Progress.Total > 0 {
			done := st.Progress.Indexed + st.Progress.Skipped + st.Progress.Failed
			v.Percent = min(100, done*100/st.Progress.Total)
		}
		v.Errors = st.Errors
		if len(v.Errors) > maxErrors {
			v.MoreErrors = len(v.Errors) - maxErrors
			v.Errors = v.Errors[:maxErrors]
		}
	}
	if s.opt.Reader != nil {
		v.Analytics = true
		rows, err := s.zeroResults(r.Context())
		if err != nil {
			s.c.Logger().Error("search console: zero-result searches", "err", err)
			v.ZeroError = true
		}
		v.Zero = rows
	}
	s.c.Render(w, r, rq, http.StatusOK, pageName, "searchconsole.title", v)
}

// zeroResults reads the searches of the last zeroDays days that found
// nothing, the most frequent first.
func (s *section) zeroResults(ctx context.Context) ([]analytics.Row, error) {
	loc := s.c.Location()
	now := s.c.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	// The dashboard's 30 days are the 29 before today and today so far.
	f := analytics.Filter{Site: s.opt.Site, From: today.AddDate(0, 0, 1-zeroDays), To: now, Location: loc}
	rows, err := s.opt.Reader.Top(ctx, f, analytics.DimSearchZero.String(), zeroRows)
	if err != nil {
		return nil, fmt.Errorf("top search-zero of %s: %w", s.opt.Site, err)
	}
	return rows, nil
}

// dashboardLink is the dashboard's view of the zero-result searches: its
// default 30 days, that panel unfolded.
func dashboardLink() string {
	return "/admin/analytics?more=" + analytics.DimSearchZero.String() + "#h-panel-" + analytics.DimSearchZero.String()
}

func (s *section) reindex(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	if s.opt.Reindex == nil {
		s.c.Fail(w, r, rq, http.StatusConflict, "searchconsole.off")
		return
	}
	if !s.opt.Reindex() {
		admin.Redirect(w, r, pagePath, "search_running")
		return
	}
	// Only a run started is on record: a press while one is under way
	// changes nothing.
	s.c.Record(r.Context(), rq.Entry("search.reindex", "search_index", audit.OK))
	admin.Redirect(w, r, pagePath, "search_reindex")
}

// formatSize writes a size in bytes the way people read it.
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// formatTook writes a run's duration to the precision that matters.
func formatTook(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
