package history

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/scan/report"
	"github.com/noren-web/noren/internal/scan/verdict"
)

// Options configure the console section.
type Options struct {
	// Store holds the runs; nil shows an empty history.
	Store *Store
	// Start begins a scan in the background, unless one is under way,
	// and reports whether it did; nil means scans are off here.
	Start func() bool
	// Running reports whether a scan is under way; nil means never.
	Running func() bool
	// Off is the message key that says why scans are off, shown when
	// Start is nil.
	Off string
}

// Pages is the scans' section of the console.
type Pages struct {
	opt Options
}

// NewPages returns the section; the console serves it once it is among
// its sections.
func NewPages(opt Options) *Pages { return &Pages{opt: opt} }

// Templates of the section, under web/templates/scan/.
const (
	historyPage = "console-scans"
	runPage     = "console-scan"
	diffPage    = "console-scan-diff"
)

// Paths of the section.
const (
	basePath  = "/admin/scans"
	startPath = basePath + "/run"
)

// pageRuns is how many runs a page of the history lists.
const pageRuns = 25

// evidenceShown is how many places of each finding the run's page lists;
// the downloads have them all.
const evidenceShown = 3

// ConsoleSection returns the section's routes, pages and menu entry.
func (p *Pages) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{opt: p.opt, c: c}
	read := func(method, pattern string, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: method, Pattern: pattern, Access: admin.Signed, Permission: account.ReadScans}, Serve: h}
	}
	return admin.Section{
		Name: "scans",
		Pages: []string{
			"templates/scan/" + historyPage + ".html",
			"templates/scan/" + runPage + ".html",
			"templates/scan/" + diffPage + ".html",
		},
		Funcs: template.FuncMap{"scanDiffList": func(p admin.Page, which string, fs []verdict.Finding) diffList {
			return diffList{Page: p, Which: which, Findings: fs}
		}},
		Nav: []admin.NavItem{{Href: basePath, Key: "scanconsole.nav", Permission: account.ReadScans, Order: 67}},
		Routes: []admin.Handler{
			read("GET", basePath, s.history),
			read("GET", basePath+"/{id}", s.run),
			read("GET", basePath+"/{id}/diff", s.diff),
			read("GET", basePath+"/{id}/report.json", s.download),
			read("GET", basePath+"/{id}/report.html", s.download),
			{Route: admin.Route{Method: "POST", Pattern: startPath, Access: admin.Signed, Permission: account.RunScans}, Serve: s.start},
		},
	}, nil
}

// section serves the routes through the console.
type section struct {
	opt Options
	c   *admin.Console
}

// historyView is the history page's data.
type historyView struct {
	Runs    []Run
	Older   int64 // the before= of the next page, 0 for none
	Running bool
	CanRun  bool
	Off     string
}

func (s *section) history(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	before, err := optionalID(r.URL.Query().Get("before"))
	if err != nil {
		s.c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	v := historyView{Running: s.running(), CanRun: s.opt.Start != nil && rq.Role().Can(account.RunScans)}
	if s.opt.Start == nil {
		v.Off = s.opt.Off
		if v.Off == "" {
			v.Off = "scanconsole.off"
		}
	}
	if s.opt.Store != nil {
		runs, err := s.opt.Store.List(r.Context(), pageRuns+1, before)
		if err != nil {
			s.c.Internal(w, r, rq, "list scan runs", err)
			return
		}
		if len(runs) > pageRuns {
			runs = runs[:pageRuns]
			v.Older = runs[pageRuns-1].ID
		}
		v.Runs = runs
	}
	s.c.Render(w, r, rq, http.StatusOK, historyPage, "scanconsole.title", v)
}

// runView is a run's page's data.
type runView struct {
	Run      Run
	Report   *verdict.Report
	Findings []findingView
	Previous int64 // the run compared with by default, 0 for none
}

// findingView is a finding with the evidence the page lists.
type findingView struct {
	verdict.Finding
	Shown []verdict.Evidence
	More  int
}

func (s *section) run(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	run, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	v := runView{Run: run, Report: run.Report}
	if run.Report != nil {
		for _, f := range run.Report.Findings {
			fv := findingView{Finding: f, Shown: f.Evidence}
			if len(fv.Shown) > evidenceShown {
				fv.Shown = fv.Shown[:evidenceShown]
			}
			fv.More = max(f.EvidenceTotal, len(f.Evidence)) - len(fv.Shown)
			v.Findings = append(v.Findings, fv)
		}
	}
	prev, ok, err := s.opt.Store.Previous(r.Context(), run.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "read the scan before", err)
		return
	}
	if ok {
		v.Previous = prev.ID
	}
	s.c.Render(w, r, rq, http.StatusOK, runPage, "scanconsole.run_title", v)
}

// diffView is the diff page's data.
type diffView struct {
	Run, Against Run
	// Choices are the earlier runs with a report one may compare with.
	Choices []Run
	Diff    Diff
	// None says there is no earlier run to compare with.
	None bool
}

// diffList is one of the diff page's three lists: which is new,
// resolved or still.
type diffList struct {
	Page     admin.Page
	Which    string
	Findings []verdict.Finding
}

// diffChoices bounds the earlier runs offered to compare with.
const diffChoices = 50

func (s *section) diff(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	run, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	ctx := r.Context()
	v := diffView{Run: run}
	earlier, err := s.opt.Store.List(ctx, diffChoices, run.ID)
	if err != nil {
		s.c.Internal(w, r, rq, "list earlier scan runs", err)
		return
	}
	for _, e := range earlier {
		if e.Status == StatusOK {
			v.Choices = append(v.Choices, e)
		}
	}
	against, err := optionalID(r.URL.Query().Get("against"))
	if err != nil || (against != 0 && against >= run.ID) || run.Report == nil {
		s.c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	if against == 0 {
		prev, ok, err := s.opt.Store.Previous(ctx, run.ID)
		if err != nil {
			s.c.Internal(w, r, rq, "read the scan before", err)
			return
		}
		if !ok {
			v.None = true
			s.c.Render(w, r, rq, http.StatusOK, diffPage, "scanconsole.diff_title", v)
			return
		}
		against = prev.ID
	}
	if v.Against, err = s.opt.Store.Get(ctx, against); errors.Is(err, ErrNotFound) || (err == nil && v.Against.Report == nil) {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	} else if err != nil {
		s.c.Internal(w, r, rq, "read a scan run", err)
		return
	}
	v.Diff = Compare(v.Against.Report, run.Report)
	s.c.Render(w, r, rq, http.StatusOK, diffPage, "scanconsole.diff_title", v)
}

// download answers a run's report as a JSON or HTML attachment, recorded
// in the audit trail before any of it is sent.
func (s *section) download(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	run, ok := s.load(w, r, rq)
	if !ok {
		return
	}
	if run.Report == nil {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	format := "json"
	write, contentType := report.WriteJSON, "application/json; charset=utf-8"
	if strings.HasSuffix(r.URL.Path, ".html") {
		format = "html"
		write, contentType = report.WriteHTML, "text/html; charset=utf-8"
	}
	e := rq.Entry("scan.download", runObject(run.ID), audit.OK)
	e.Detail = map[string]string{"format": format}
	if err := s.c.Audit(r.Context(), e); err != nil {
		s.c.Internal(w, r, rq, "audit the scan report download", err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="noren-scan-%d-%s.%s"`,
		run.ID, run.Started.Format("20060102-150405"), format))
	if err := write(w, run.Report); err != nil {
		s.c.Logger().Error("scan report download", "run", run.ID, "err", err)
	}
}

func (s *section) start(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	if s.opt.Start == nil {
		s.c.Fail(w, r, rq, http.StatusConflict, "scanconsole.off")
		return
	}
	if !s.opt.Start() {
		admin.Redirect(w, r, basePath, "scan_running")
		return
	}
	// Only a run started is on record; its completion is recorded by the
	// run itself.
	s.c.Record(r.Context(), rq.Entry("scan.start", "scan", audit.OK))
	admin.Redirect(w, r, basePath, "scan_started")
}

// load reads the run named by the {id} path value, answering 404 for an
// unknown one.
func (s *section) load(w http.ResponseWriter, r *http.Request, rq *admin.Request) (Run, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || s.opt.Store == nil {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return Run{}, false
	}
	run, err := s.opt.Store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return Run{}, false
	}
	if err != nil {
		s.c.Internal(w, r, rq, "read a scan run", err)
		return Run{}, false
	}
	return run, true
}

func (s *section) running() bool { return s.opt.Running != nil && s.opt.Running() }

// optionalID parses an id given in a query, "" being 0.
func optionalID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id %q: want a positive number", v)
	}
	return id, nil
}

// runObject names a run in the audit trail.
func runObject(id int64) string { return "scan:" + strconv.FormatInt(id, 10) }

// Took is how long the run lasted, to the second.
func (r Run) Took() time.Duration { return r.Finished.Sub(r.Started).Round(time.Second) }
