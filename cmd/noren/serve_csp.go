package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/csp/reports"
	"github.com/noren-web/noren/internal/csp/reports/drift"
	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/server"
)

// cspFlushPeriod is how often the CSP reports counted in memory are
// written to the database: often enough that the console is current
// within seconds, rarely enough that a flood costs one write of at most
// reports.DefaultMaxKeys rows each time.
const cspFlushPeriod = 5 * time.Second

// startCSPReports sets up the endpoint browsers report the public pages'
// CSP violations to, unless csp_reports.enabled is off.
func (a *app) startCSPReports() error {
	cfg := a.cfg.CSPReports
	if !cfg.Enabled {
		return nil
	}
	st, err := reports.NewStore(a.db)
	if err != nil {
		return err
	}
	loc, err := siteLocation(a.cfg)
	if err != nil {
		return err
	}
	opt := reports.Options{
		Store:     st,
		Location:  loc,
		RateLimit: cfg.RateLimit,
		RateBurst: cfg.RateBurst,
		Retention: cfg.Retention,
		Hosts:     a.siteHosts,
		Own:       a.ownScan,
	}
	if a.reg != nil {
		opt.Registerer = a.reg
	}
	a.cspReports, err = reports.New(opt)
	a.cspStore = st
	return err
}

// flushCSPReports writes the reports still in memory, on the way out,
// once the server no longer takes requests and before the database
// closes.
func (a *app) flushCSPReports(ctx context.Context) {
	if a.cspReports == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.cspReports.Flush(ctx); err != nil {
		a.logger.Error("csp reports: the last flush failed", "err", err)
	}
}

// cspJobs are the flush of the counts and their retention.
func (a *app) cspJobs() []jobs.Job {
	r := a.cspReports
	if r == nil {
		return nil
	}
	return []jobs.Job{
		{Name: "csp-reports-flush", Period: cspFlushPeriod, Run: r.Flush},
		{Name: "csp-reports-retention", Period: retentionPeriod, RunAtStart: true, Fleet: true, Run: r.Retain},
	}
}

// cspConsole is the console's page of the reports, which says so when
// they are off.
func (a *app) cspConsole() *drift.Pages {
	opt := drift.Options{Declared: a.declaresHost}
	if a.cspReports != nil {
		opt.Store = a.cspStore
	}
	return drift.New(opt)
}

// declaresHost reports whether a third-party tool of the manifest in
// force names host, itself or under a wildcard.
func (a *app) declaresHost(host string) bool {
	for _, t := range a.current.Get().Tools {
		if t.Party != "third" {
			continue
		}
		for _, h := range t.Hosts {
			h = strings.ToLower(h)
			if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
				return true
			}
		}
	}
	return false
}

// ownScan reports whether req comes from this server's scan of its own
// site: while a scan is under way, a headless Chromium that reaches the
// site on loopback, as the scan's resolver rules take it there, without a
// proxy in between. A visitor cannot pass for it from another machine,
// and one who could would only keep its own reports from being counted.
func (a *app) ownScan(req *http.Request) bool {
	s := a.scans
	if s == nil || s.runner == nil || !strings.Contains(req.UserAgent(), "HeadlessChrome/") {
		return false
	}
	return server.ClientAddr(req).IsLoopback() && s.runner.Running()
}

// siteHosts are the host names the site's own pages are served at, as
// the configuration and the manifest name them; reports of other hosts'
// pages are not counted.
func (a *app) siteHosts() []string {
	m := a.current.Get()
	hosts := []string{strings.ToLower(a.cfg.Site.Domain), strings.ToLower(m.Site.Domain)}
	if u, err := url.Parse(m.Site.URL); err == nil {
		hosts = append(hosts, strings.ToLower(u.Hostname()))
	}
	return hosts
}

// dataRoutes sets the paths the server answers directly, past the site's
// handler: the analytics collector's and the CSP report endpoint; and
// has the public pages' policy report to the latter.
func (a *app) dataRoutes(cfg *server.Config) {
	mux := http.NewServeMux()
	if a.live != nil {
		cfg.DataPaths = analytics.CollectorPaths()
		mux.Handle("/", a.live.collector.Handler())
	}
	if a.cspReports != nil {
		cfg.DataPaths = append(cfg.DataPaths, reports.Path)
		cfg.Headers.CSPReportPath = reports.Path
		mux.Handle(reports.Path, a.cspReports)
	}
	if len(cfg.DataPaths) > 0 {
		cfg.DataHandler = mux
	}
}
