package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/noren-web/noren/internal/claims"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan"
)

func runCheck(ctx context.Context, env *environment, args []string) error {
	fs := newFlags(env, "check", "[--site DIR | --upstream URL] [--config FILE] [FILE]",
		"Validates a privacy manifest (default manifest.yaml) and lists every problem as\n"+
			"file:line: path.to.field: message. Exits 1 when there is any.\n\n"+
			"With --site or --upstream it also reads the site's pages and lists the third-party\n"+
			"hosts they reach that the manifest does not declare (nor http.csp_extra admits),\n"+
			"with the manifest entry to add for each, and what the Content-Security-Policy would\n"+
			"block on those pages. Exits 1 when there is an undeclared host.\n\n"+
			"It warns, without failing, when a tool that is never held back shares a host\n"+
			"with a tool that waits for consent, whose loads from that host then go unheld, and\n"+
			"of Japanese texts that spell a loanword short (ブラウザ for ブラウザー) or a policy\n"+
			"basis that cites the Telecommunications Business Act.\n\n"+
			"With --config it also checks the manifest's claims against the configuration\n"+
			"(TLS, retention of analytics events and access logs, what the analytics records,\n"+
			"the statistics page, the requests deadline) as noren serve does before it\n"+
			"starts, each as file:line: path: message. A claim the configuration makes false\n"+
			"exits 1; one it cannot confirm is a warning.")
	quiet := fs.Bool("q", false, "print nothing when the manifest is valid and nothing is undeclared")
	siteDir := fs.String("site", "", "scan the HTML pages (*.html, *.htm) of the folder `DIR`")
	upstream := fs.String("upstream", "", "crawl the site at `URL` (its host only; robots.txt honoured)")
	configPath := fs.String("config", "", "take the manifest and http.csp_extra from this noren.yaml `FILE`, and check the manifest's claims against it")
	maxPages := fs.Int("max-pages", 200, "read at most this many pages of an upstream")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 || *siteDir != "" && *upstream != "" {
		fs.Usage()
		return errUsage
	}
	path := "manifest.yaml"
	var cfg *config.Config
	var cspExtra map[string][]string
	if *configPath != "" {
		var err error
		if cfg, err = config.Load(*configPath, nil); err != nil {
			return err
		}
		path, cspExtra = cfg.Manifest, cfg.HTTP.CSPExtra
	}
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	m, err := manifest.Load(path)
	var ps manifest.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(env.stdout, ps.Error())
		fmt.Fprintf(env.stderr, "%s: %d problem(s)\n", path, len(ps))
		return exitError{1}
	}
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(env.stdout, "%s: valid; policy version %s\n", path, m.VersionLabel())
	}
	// Warnings go to standard error even with -q: they fail nothing, but
	// say what consent will let through and what the documents will get
	// wrong.
	printSharedHosts(env.stderr, path, sharedHosts(m))
	for _, w := range m.Warnings() {
		fmt.Fprintf(env.stderr, "%s:%d: %s: warning: %s\n", w.File, w.Line, w.Path, w.Message)
	}

	// The claims are checked before the site, whose report ends the
	// output; their errors fail the check once the site is read too.
	var falseClaims error
	if cfg != nil {
		falseClaims = printClaims(env, claims.Check(m, cfg))
	}

	var report *scan.Report
	var source string
	switch {
	case *siteDir != "":
		source = *siteDir
		report, err = scan.Folder(ctx, *siteDir, scan.FolderOptions{Self: siteHosts(m)})
	case *upstream != "":
		source = *upstream
		report, err = scan.Crawl(ctx, *upstream, scan.CrawlOptions{Self: siteHosts(m), MaxPages: *maxPages})
	default:
		return falseClaims
	}
	if err != nil {
		return err
	}
	a := auditSite(m, cspExtra, report)
	if *quiet && a.clean() {
		return falseClaims
	}
	a.print(env.stdout, source, report)
	if len(a.undeclared) > 0 || len(a.snippets) > 0 {
		fmt.Fprintf(env.stderr, "%s: %d undeclared host(s), %d undeclared snippet(s)\n", source, len(a.undeclared), len(a.snippets))
		return exitError{1}
	}
	return falseClaims
}

// printClaims prints the findings of the claims check: the errors on
// standard output, as the manifest's problems, and the warnings on
// standard error, which fail nothing. It returns exit status 1 when there
// is an error.
func printClaims(env *environment, findings claims.Findings) error {
	for _, f := range findings.Warnings() {
		fmt.Fprintln(env.stderr, f)
	}
	errs := findings.Errors()
	if len(errs) == 0 {
		return nil
	}
	fmt.Fprintln(env.stdout, errs.Error())
	fmt.Fprintf(env.stderr, "%d claim(s) of the manifest the configuration makes false\n", len(errs))
	return exitError{1}
}
