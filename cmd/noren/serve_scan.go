package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/probe"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// scanCheckPeriod is how often the schedule looks whether the last scan
// is older than scan.interval. It also puts the first scan after start a
// few minutes off, so that it never delays serving, and a restart does
// not scan again while the last scan is recent.
const scanCheckPeriod = 5 * time.Minute

// siteScans are the scans a running Noren makes of its own site: their
// history, kept whether or not this server scans, and the runner the
// schedule and the console's button start, nil when scans are off here.
type siteScans struct {
	store  *history.Store
	runner *history.Runner
	// off is the console's message key saying why scans are off.
	off    string
	cfg    config.Scan
	logger *slog.Logger

	start   *url.URL
	browser string
	cookies *cookiedb.DB
	current *manifest.Current
	// tls says the server itself serves HTTPS.
	tls bool
	// listen is the main listener's address, known once the server
	// listens; scans reach the site's own pages there.
	listen atomic.Pointer[net.TCPAddr]
	// checkEvery is scanCheckPeriod, shorter in tests.
	checkEvery time.Duration
}

// openScans opens the history of scans and, unless scan.enabled is off or
// no browser is installed, the runner; either is said once in the log. A
// cookie database that cannot be read stops start-up.
func openScans(ctx context.Context, cfg *config.Config, a *app) (*siteScans, error) {
	store, err := history.NewStore(a.db)
	if err != nil {
		return nil, err
	}
	s := &siteScans{store: store, cfg: cfg.Scan, logger: a.logger, current: a.current, tls: cfg.TLSEnabled(), checkEvery: scanCheckPeriod}
	if !cfg.Scan.Enabled {
		s.off = "scanconsole.off_disabled"
		a.logger.Info("scheduled scans are off: scan.enabled is false")
		return s, nil
	}
	if cfg.Scan.CookieDB != "" {
		if s.cookies, err = cookiedb.Open(cfg.Scan.CookieDB); err != nil {
			return nil, fmt.Errorf("scan.cookie_db: %w", err)
		}
	}
	if s.browser, err = visit.FindBrowser(cfg.Scan.Browser); err != nil {
		s.off = "scanconsole.off_browser"
		a.logger.Info("scheduled scans are off: no Chromium browser; install Debian's chromium package (apt install chromium) or set scan.browser", "err", err)
		return s, nil
	}
	raw := cfg.Scan.URL
	if raw == "" {
		raw = a.current.Get().Site.URL
	}
	if s.start, err = url.Parse(raw); raw == "" || err != nil || s.start.Host == "" {
		s.off = "scanconsole.off_url"
		a.logger.Info("scheduled scans are off: the site's address is unknown; set site.url in the manifest or scan.url", "url", raw)
		return s, nil
	}
	if s.start.Scheme == "https" && !s.tls {
		// A server behind a proxy that ends TLS serves plain HTTP, which
		// a browser cannot reach as https://; it goes through the proxy.
		a.logger.Info("scans reach the site through the network: it is https and this server does not serve TLS itself", "url", raw)
	}
	s.runner, err = history.NewRunner(ctx, history.RunnerOptions{
		Store:        store,
		Scan:         s.scan,
		URL:          s.start.String(),
		ManifestHash: func() string { return a.current.Get().Hash() },
		Trail:        a.trail,
		Logger:       a.logger,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// serving tells the scans where the server listens, once it does.
func (s *siteScans) serving(addr net.Addr) {
	if s == nil {
		return
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		s.listen.Store(tcp)
	}
}

// errNotServing says a scan was due before the server listened.
var errNotServing = errors.New("the server does not listen yet")

// scan scans the site once, against the manifest in force.
func (s *siteScans) scan(ctx context.Context) (*verdict.Report, error) {
	addr := s.listen.Load()
	if addr == nil {
		return nil, fmt.Errorf("scan %s: %w", s.start, errNotServing)
	}
	rules, client := s.loopback(addr)
	return probe.Run(ctx, probe.Options{
		URL:      s.start.String(),
		Pages:    s.cfg.Pages,
		Depth:    s.cfg.Depth,
		Manifest: s.current.Get(),
		CookieDB: s.cookies,
		Visit: visit.Options{
			Browser:           s.browser,
			HostResolverRules: rules,
			// The certificate is the site's own, reached on loopback.
			IgnoreCertificateErrors: client != nil && s.start.Scheme == "https",
		},
		Client:  client,
		Version: versionString(),
		Logger:  s.logger,
	})
}

// loopback returns the browser's host resolver rules, and the crawl's
// client, that take the site's own host to this server's listener at
// addr, so that a server scanning itself does not leave the machine for
// its own pages. client is nil when the site is not reached on loopback:
// an https site this server does not serve TLS for.
func (s *siteScans) loopback(addr *net.TCPAddr) (rules string, client *http.Client) {
	rules = s.cfg.HostResolverRules
	if s.start.Scheme == "https" && !s.tls {
		return rules, nil
	}
	port := s.start.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[s.start.Scheme]
	}
	site := net.JoinHostPort(s.start.Hostname(), port)
	ip := addr.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	target := net.JoinHostPort(ip.String(), fmt.Sprint(addr.Port))
	// Chromium applies the first rule that matches, so the site's own
	// comes before any configured.
	mapping := "MAP " + site + " " + target
	if rules != "" {
		mapping += ", " + rules
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		if a == site {
			a = target
		}
		return dialer.DialContext(ctx, network, a)
	}
	// The crawl reads the site's own pages, on loopback, under its
	// public name.
	transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	return mapping, &http.Client{Transport: transport, Timeout: 20 * time.Second}
}

// job is the schedule's check: a scan when the last one is older than
// scan.interval. Nil when scans are off.
func (s *siteScans) job() *jobs.Job {
	if s == nil || s.runner == nil {
		return nil
	}
	return &jobs.Job{Name: "site-scan", Period: s.checkEvery, Run: func(ctx context.Context) error {
		return s.runner.ScheduledIfDue(ctx, s.cfg.Interval)
	}}
}

// close stops a scan under way and waits for it. It is called once the
// jobs have stopped, before the database closes.
func (s *siteScans) close() {
	if s != nil && s.runner != nil {
		s.runner.Close()
	}
}

// scanConsole is the scans' section of the console.
func (a *app) scanConsole() *history.Pages {
	s := a.scans
	if s == nil {
		return history.NewPages(history.Options{Off: "scanconsole.off"})
	}
	opt := history.Options{Store: s.store, Off: s.off}
	if s.runner != nil {
		opt.Start, opt.Running = s.runner.Start, s.runner.Running
	}
	return history.NewPages(opt)
}

// scanVerified is the cookie policy's hook: when the latest scan, judged
// against m, found no violation.
func (a *app) scanVerified(ctx context.Context, m *manifest.Manifest) (time.Time, bool) {
	if a.scans == nil {
		return time.Time{}, false
	}
	at, ok, err := a.scans.store.Verified(ctx, m.Hash())
	if err != nil {
		a.logger.Error("scan: read the latest scan for the cookie policy", "err", err)
		return time.Time{}, false
	}
	return at, ok
}
