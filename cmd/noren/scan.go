package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/probe"
	"github.com/noren-web/noren/internal/scan/report"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/internal/search"
)

// scanFailed is the exit status of a scan that could not be made, apart
// from 1, a scan that found violations, so that CI can tell them apart.
const scanFailed = 2

// scanArgs are the command line of noren scan.
type scanArgs struct {
	url                       string
	pages, depth              int
	manifest, cookieDB        string
	jsonOut, htmlOut, browser string
	hostRules                 string
	concurrency               int
	states                    []visit.State
	suggest                   bool
}

func runScan(ctx context.Context, env *environment, args []string) error {
	a, err := parseScanArgs(env, args)
	if err != nil {
		return err
	}
	// The summary goes to standard output unless that carries the JSON
	// report or the suggested entries, which must stay parseable alone.
	summary := env.stdout
	if a.jsonOut == "-" || a.suggest {
		summary = env.stderr
	}
	opt, err := a.probeOptions(env)
	if err != nil {
		return scanError(env, err)
	}
	started := time.Now()
	bar := newScanProgress(env.stderr, started)
	opt.Progress = bar.update
	r, err := probe.Run(ctx, opt)
	bar.finish()
	if err != nil {
		return scanError(env, err)
	}
	printScanSummary(summary, r, time.Since(started))
	if err := writeScanReports(env, a, r); err != nil {
		return scanError(env, err)
	}
	if a.suggest {
		if err := verdict.Suggest(env.stdout, r, opt.Manifest); err != nil {
			return scanError(env, fmt.Errorf("suggest manifest entries: %w", err))
		}
	}
	if code := r.ExitCode(); code != 0 {
		return exitError{code}
	}
	return nil
}

// parseScanArgs reads the command line. The URL may come before, between
// or after the flags, as people write it.
func parseScanArgs(env *environment, args []string) (*scanArgs, error) {
	fs := newFlags(env, "scan", "URL [flags]",
		"Crawls the site at URL (its host only: the sitemaps, the links, robots.txt\n"+
			"honoured) and visits its pages in headless Chromium in four states: no choice\n"+
			"made, after \"Accept all\", after \"Reject all\", and Global Privacy Control on with\n"+
			"no choice. It records the cookies, web storage, requests to other hosts and\n"+
			"frames of every page, and judges them against the privacy manifest (--manifest)\n"+
			"and a cookie database in the Open Cookie Database's CSV format (--cookie-db).\n\n"+
			"Prints a summary with each finding and its first evidence. With --suggest,\n"+
			"standard output holds only the manifest entries for what is undeclared, and\n"+
			"the summary goes to standard error, as it does with --json -.\n\n"+
			"Exits 0 when nothing breaks the policy, 1 when there is a violation, and 2 when\n"+
			"the scan could not be made (no browser, a bad manifest, cookie database or URL,\n"+
			"no page found). See docs/scan.md.")
	a := &scanArgs{}
	fs.IntVar(&a.pages, "pages", probe.DefaultPages, "visit at most `N` pages")
	fs.IntVar(&a.depth, "depth", 3, "follow links at most `D` steps from URL (sitemap pages are one step); 0 for no limit")
	fs.StringVar(&a.manifest, "manifest", "", "judge against this privacy manifest `FILE`")
	fs.StringVar(&a.cookieDB, "cookie-db", "", "classify cookies with this Open Cookie Database CSV `FILE`")
	fs.StringVar(&a.jsonOut, "json", "", "write the JSON report to `FILE` (- for standard output)")
	fs.StringVar(&a.htmlOut, "html", "", "write the bilingual HTML report to `FILE`")
	fs.BoolVar(&a.suggest, "suggest", false, "print manifest tools: entries for what is undeclared")
	fs.StringVar(&a.browser, "browser", "", "run this Chromium `PATH` instead of searching PATH for chromium")
	fs.StringVar(&a.hostRules, "host-resolver-rules", "", "Chromium's host resolver `RULES`, such as \"MAP www.example.jp 127.0.0.1:8080\"")
	fs.IntVar(&a.concurrency, "concurrency", 2, "visit `N` pages at once in each state (the states run side by side)")
	states := fs.String("states", "", "visit only these comma-separated `STATES` ("+stateNames()+")")

	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if len(positional) != 1 || a.pages < 1 || a.depth < 0 || a.concurrency < 1 {
		fs.Usage()
		return nil, errUsage
	}
	a.url = positional[0]
	if a.suggest && a.jsonOut == "-" {
		fmt.Fprintln(env.stderr, "noren scan: --suggest and --json - both write to standard output: give --json a file")
		return nil, errUsage
	}
	if a.suggest && a.manifest == "" {
		// Without a manifest nothing is undeclared, so there would be
		// nothing to suggest.
		fmt.Fprintln(env.stderr, "noren scan: --suggest needs --manifest: it suggests entries for what the manifest leaves out")
		return nil, errUsage
	}
	if a.htmlOut == "-" {
		fmt.Fprintln(env.stderr, "noren scan: --html writes to a file, not to standard output")
		return nil, errUsage
	}
	var err error
	if a.states, err = parseStates(*states); err != nil {
		fmt.Fprintf(env.stderr, "noren scan: --states: %v\n", err)
		return nil, errUsage
	}
	return a, nil
}

// stateNames lists the states a scan may visit, for the usage text.
func stateNames() string {
	var names []string
	for _, s := range visit.States() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// parseStates reads a comma-separated list of states; "" means all.
func parseStates(list string) ([]visit.State, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []visit.State
	for name := range strings.SplitSeq(list, ",") {
		s := visit.State(strings.TrimSpace(name))
		if !slices.Contains(visit.States(), s) {
			return nil, fmt.Errorf("unknown state %q: want %s", s, stateNames())
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// probeOptions loads what the flags name and builds the scan's options.
func (a *scanArgs) probeOptions(env *environment) (probe.Options, error) {
	opt := probe.Options{
		URL:     a.url,
		Pages:   a.pages,
		Depth:   a.depth,
		Version: versionString(),
		Visit: visit.Options{
			Browser:           a.browser,
			States:            a.states,
			HostResolverRules: a.hostRules,
			Concurrency:       a.concurrency,
		},
		Logger: slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if a.manifest != "" {
		m, err := manifest.Load(a.manifest)
		if err != nil {
			return opt, fmt.Errorf("manifest %s: %w", a.manifest, err)
		}
		opt.Manifest = m
	}
	if a.cookieDB != "" {
		db, err := cookiedb.Open(a.cookieDB)
		if err != nil {
			return opt, err
		}
		opt.CookieDB = db
	}
	return opt, nil
}

// scanError reports err on standard error and returns the exit status of
// a scan that failed. A missing browser gets the way to install one.
func scanError(env *environment, err error) error {
	fmt.Fprintf(env.stderr, "noren scan: %v\n", err)
	if errors.Is(err, visit.ErrNoBrowser) && !strings.Contains(err.Error(), "apt install chromium") {
		fmt.Fprintln(env.stderr, "Install Debian's chromium package (apt install chromium), or name the browser with --browser.")
	}
	return exitError{scanFailed}
}

// writeScanReports writes the JSON and HTML reports the flags ask for.
func writeScanReports(env *environment, a *scanArgs, r *verdict.Report) error {
	if a.jsonOut == "-" {
		if err := report.WriteJSON(env.stdout, r); err != nil {
			return fmt.Errorf("write JSON report: %w", err)
		}
	} else if a.jsonOut != "" {
		if err := writeFile(a.jsonOut, func(w io.Writer) error { return report.WriteJSON(w, r) }); err != nil {
			return fmt.Errorf("write JSON report %s: %w", a.jsonOut, err)
		}
	}
	if a.htmlOut != "" {
		if err := writeFile(a.htmlOut, func(w io.Writer) error { return report.WriteHTML(w, r) }); err != nil {
			return fmt.Errorf("write HTML report %s: %w", a.htmlOut, err)
		}
	}
	return nil
}

// writeFile writes a file through write, and reports a failure to close
// it, which is where a full disk shows.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scanProgress shows a scan's progress on standard error: a line for
// each stage, then the search index's progress bar over the page visits.
type scanProgress struct {
	w       io.Writer
	bar     *progressBar
	started time.Time
}

func newScanProgress(w io.Writer, started time.Time) *scanProgress {
	return &scanProgress{w: w, bar: newProgressBar(w), started: started}
}

// update is probe.Options.Progress; probe calls it one call at a time.
func (p *scanProgress) update(stage string, done, total int) {
	if stage == probe.StageCrawl {
		if total == 0 {
			fmt.Fprintln(p.w, "crawling the site…")
			return
		}
		fmt.Fprintf(p.w, "found %d pages; visiting them in the browser…\n", total)
		// The rate and the time left are those of the visits alone.
		p.started = time.Now()
		return
	}
	if done == total {
		// The last visit is always shown, however soon after the one
		// before it comes.
		p.bar.last = time.Time{}
	}
	p.bar.update(search.Progress{Indexed: done, Total: total, Started: p.started})
}

// finish ends the bar's line.
func (p *scanProgress) finish() { p.bar.finish() }

// printScanSummary writes what a scan found: the pages, each state, then
// each finding with its first evidence.
func printScanSummary(w io.Writer, r *verdict.Report, took time.Duration) {
	truncated := ""
	if r.Truncated {
		truncated = " (stopped at the page or depth limit)"
	}
	fmt.Fprintf(w, "scanned %s: %d pages%s, %d states, in %s\n", r.URL, len(r.Pages), truncated, len(r.States), took.Round(100*time.Millisecond))
	for _, s := range r.States {
		fmt.Fprintf(w, "  %-10s  %s\n", s.State, stateLine(s))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "no findings")
		return
	}
	fmt.Fprintf(w, "%d violation(s), %d warning(s):\n", r.Violations, r.Warnings)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %-9s  %s  %s %s", f.Severity, f.Kind, f.SubjectKind, f.Subject)
		if f.Domain != "" {
			fmt.Fprintf(w, " (%s)", f.Domain)
		}
		if f.Tool != "" && f.SubjectKind != verdict.SubjectTool {
			fmt.Fprintf(w, ", tool %s", f.Tool)
		}
		if f.Database != nil {
			fmt.Fprintf(w, ", database: %s (%s)", f.Database.Platform, f.Database.Category)
		}
		if f.Declared != "" || f.Seen != "" {
			fmt.Fprintf(w, ", declared %s, seen %s", f.Declared, f.Seen)
		}
		if len(f.States) > 0 {
			names := make([]string, len(f.States))
			for i, s := range f.States {
				names[i] = string(s)
			}
			fmt.Fprintf(w, " in %s", strings.Join(names, ", "))
		}
		fmt.Fprintln(w)
		if len(f.Evidence) > 0 {
			fmt.Fprintf(w, "             %s\n", evidenceLine(f.Evidence[0], f.EvidenceTotal))
		}
	}
}

// stateLine says whether a state was reached, how, and what it saw.
func stateLine(s verdict.StateSummary) string {
	if !s.Reached {
		return "not reached: " + s.Note
	}
	how := "reached"
	switch s.Choice {
	case visit.ChoiceBanner:
		how = fmt.Sprintf("reached by pressing %q", s.Button)
	case visit.ChoiceNorenCookie:
		how = "reached by writing Noren's consent cookie"
	}
	line := fmt.Sprintf("%s: %d pages, %d cookies, %d storage keys, %d recipients", how, s.Pages, s.Cookies, s.Storage, s.Recipients)
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d pages failed", s.Errors)
	}
	return line
}

// evidenceLine is where a finding was first seen and what caused it.
func evidenceLine(e verdict.Evidence, total int) string {
	line := fmt.Sprintf("on %s (%s)", e.Page, e.State)
	if e.Request != "" {
		line += ", request " + e.Request
	}
	if e.Initiator != "" {
		line += ", by " + e.Initiator
	}
	if total > 1 {
		line += fmt.Sprintf("; seen %d times", total)
	}
	return line
}
