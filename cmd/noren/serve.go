package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/accesslog"
	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics/dashboard"
	"github.com/noren-web/noren/internal/analytics/publicstats"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/claims"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/consent/statistics"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/contact/inbox"
	"github.com/noren-web/noren/internal/csp/reports"
	"github.com/noren-web/noren/internal/dsr/requests"
	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/web"
)

// demoDomain is the host name of the bundled demo site.
const demoDomain = "demo.localhost"

func runServe(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "serve", "[flags]", "Serves a site with its privacy layer as configured in noren.yaml. Every key can\nalso be set by a NOREN_* environment variable and the flags below; see\ndocs/configuration.md.")
	flags := config.RegisterFlags(fset)
	noMigrate := fset.Bool("no-migrate", false, "do not apply pending migrations at start (overrides migrate_on_start)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, err := flags.Load(env.getenv)
	if err == nil {
		err = cfg.ValidateServe()
	}
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if *noMigrate {
		cfg.MigrateOnStart = false
	}
	m, err := manifest.Load(cfg.Manifest)
	if err != nil {
		return fmt.Errorf("refusing to start with an invalid manifest:\n%w", err)
	}
	a := app{cfg: cfg, manifest: m, manifestPath: cfg.Manifest}
	if err := a.openSite(); err != nil {
		return err
	}
	return a.run(ctx, env)
}

// openSite sets the site a.cfg names: its folder in static mode, its
// upstream in proxy mode.
func (a *app) openSite() error {
	switch a.cfg.Site.Mode {
	case "static":
		if err := checkSiteRoot(a.cfg.Site.Root); err != nil {
			return err
		}
		// Confined to the folder: no link leads out of it.
		a.siteFS = site.DirFS(a.cfg.Site.Root)
	case "proxy":
		u, err := url.Parse(a.cfg.Site.Upstream)
		if err != nil {
			return fmt.Errorf("site.upstream: %w", err)
		}
		a.upstream = u
	}
	return nil
}

func runDemo(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "demo", "[flags]", "Runs the bundled demo site of a city's startup-support office with zero\nconfiguration: embedded SQLite under -data, the demo manifest, and the demo\nsite at http://"+demoDomain+":PORT/.")
	cfg := config.Default()
	fset.StringVar(&cfg.Listen, "addr", "127.0.0.1:8080", "address to listen on")
	fset.StringVar(&cfg.DataDir, "data", "./noren-data", "folder for the demo's database")
	fset.StringVar(&cfg.TLS.Cert, "tls-cert", "", "TLS certificate file (PEM) to serve HTTPS")
	fset.StringVar(&cfg.TLS.Key, "tls-key", "", "TLS private key file (PEM)")
	trusted := fset.String("trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-For is believed")
	manifestPath := fset.String("manifest", "", "use this manifest instead of the bundled one (reloaded when it changes)")
	logLevel := fset.String("log-level", "info", "log level: debug, info, warn or error")
	fset.IntVar(&cfg.Analytics.RateLimit, "rate-limit", cfg.Analytics.RateLimit, fmt.Sprintf("analytics events a second each client network may send once its burst of %d is spent (0: no limit)", cfg.Analytics.RateBurst))
	sample := fset.Int("sample-events", 50000, "on first start, store this many generated analytics events of the last 60 days, so that the dashboard\nand the public statistics have something to show (0: none)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	prefixes, err := config.ParsePrefixes(*trusted)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}
	cfg.TrustedProxies = prefixes
	if err := cfg.Log.Level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	cfg.Database = "sqlite:" + filepath.Join(cfg.DataDir, "noren.db")
	cfg.Site.Mode = "static"
	cfg.Site.Domain = demoDomain
	// The demo's staff mail lands in its outbox folder.
	cfg.Contact.Notify = []string{"owner@" + demoDomain}
	// The demo's pages show the search box in their header.
	cfg.Search.InjectBox = true
	// The demo runs alone, with no load balancer to tell it is stopping.
	cfg.HTTP.DrainDelay = 0
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}

	// The demo listens first: a busy port stops it before anything is
	// created, and the policy can name the address it really answers at.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	var m *manifest.Manifest
	if *manifestPath != "" {
		m, err = manifest.Load(*manifestPath)
	} else {
		m, err = demoManifest(ln.Addr(), cfg.TLSEnabled())
	}
	if err != nil {
		return fmt.Errorf("refusing to start with an invalid manifest:\n%w", err)
	}
	// The demo keeps the access log its manifest declares as the
	// manifest says, in daily files deleted after the stated retention.
	if claims.AccessLogItem(m) != nil {
		cfg.Log.AccessFile = filepath.Join(cfg.DataDir, "logs", "access.log")
	}
	siteFS, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		return fmt.Errorf("demo site: %w", err)
	}
	if *sample < 0 {
		return fmt.Errorf("-sample-events: %d is negative", *sample)
	}
	a := app{cfg: cfg, manifest: m, manifestPath: *manifestPath, siteFS: siteFS, demo: true, sampleEvents: *sample, listener: ln}
	return a.run(ctx, env)
}

// app is one running Noren: the configuration with everything it wires.
type app struct {
	cfg          *config.Config
	manifest     *manifest.Manifest
	manifestPath string // empty for the embedded demo manifest
	siteFS       fs.FS
	upstream     *url.URL
	demo         bool
	// sampleEvents is how many generated analytics events the demo stores
	// in an empty database.
	sampleEvents int
	// listener, when set, is the main listener, opened before the rest;
	// otherwise the server opens cfg.Listen itself.
	listener net.Listener

	// What run wires, in the order it does.
	logger *slog.Logger
	// instance names this process in the job leases, /readyz and the
	// logs; it is new at each start.
	instance string
	db       *store.DB
	current  *manifest.Current
	versions *policy.Versions
	chrome   *page.Chrome // the layout of Noren's public pages
	csp      *server.CSPSources
	personal *personalData
	accounts *account.Store
	trail    *audit.Trail
	records  *consent.Records
	limits   *ratelimit.Shared
	reg      *prometheus.Registry
	live     *liveAnalytics
	console  *admin.Console
	anchors  *anchorer // nil without audit.anchor_key_file
	// accessLog is the access log's files, nil without log.access_file.
	accessLog *accesslog.Files
	// accessLogger writes the access log's lines to accessLog.
	accessLogger *slog.Logger
	// search is the site search, nil when search.enabled is off.
	search *siteSearch
	// scans are the scans of the site itself and their history.
	scans *siteScans
	// cspReports counts the CSP violations browsers report, and cspStore
	// keeps them; nil when csp_reports.enabled is off.
	cspReports *reports.Reports
	cspStore   *reports.Store

	// readiness answers /readyz, and turns unready when the server
	// begins to stop.
	readiness *server.Readiness
}

// servingGCPercent is the garbage collector's target while serving, unless
// GOGC says otherwise. Under load Noren's heap is mostly short-lived
// request garbage; collecting at 50 % growth instead of 100 % keeps the
// resident memory under the collector's load about a fifth lower for about
// 3 % of its throughput (docs/benchmarks.md).
const servingGCPercent = 50

// run wires everything and serves until ctx is done. On the way out the
// readiness turns unready and the server goes on serving for the drain
// delay, then stops taking requests, then the work begun once it listened
// and the jobs finish their runs, then the collector writes the events it
// accepted, and the database closes last.
func (a *app) run(ctx context.Context, env *environment) error {
	a.instance = jobs.NewHolder()
	a.logger = a.cfg.Logger(env.stderr).With("instance", a.instance)
	if _, set := envValue(env, "GOGC"); !set {
		debug.SetGCPercent(servingGCPercent)
	}
	if err := a.checkClaims(); err != nil {
		return err
	}
	var err error
	if a.accessLogger, err = a.openAccessLog(); err != nil {
		return err
	}
	defer func() {
		if a.accessLog == nil {
			return
		}
		if err := a.accessLog.Close(); err != nil {
			a.logger.Error("access log", "err", err)
		}
	}()
	if err := a.openDatabase(ctx); err != nil {
		return err
	}
	defer a.db.Close()
	a.followManifest(ctx)
	if err := a.openStores(ctx, env); err != nil {
		return err
	}
	a.reg = prometheus.NewRegistry()
	if err := a.personal.registerMailMetrics(a.reg); err != nil {
		return err
	}
	if a.chrome, err = page.NewChrome(web.Templates); err != nil {
		return err
	}
	if a.live, err = startAnalytics(ctx, a.cfg, a.db, a.current, a.demo, a.reg, a.logger); err != nil {
		return err
	}
	defer func() {
		if err := a.live.close(); err != nil {
			a.logger.Error("analytics: stopping", "err", err)
		}
	}()
	if a.cfg.Search.Enabled {
		if a.search, err = openSearch(ctx, a.cfg, a); err != nil {
			return err
		}
		// Deferred before the jobs stop, so that it runs after: the
		// index closes once no run uses it.
		defer func() {
			if err := a.search.close(); err != nil {
				a.logger.Error("search: closing the index", "err", err)
			}
		}()
	}
	if a.scans, err = openScans(ctx, a.cfg, a); err != nil {
		return err
	}
	// Deferred before the jobs stop, so that it runs after: a scan under
	// way ends before the database closes.
	defer a.scans.close()
	if err := a.startCSPReports(); err != nil {
		return err
	}
	defer a.flushCSPReports(ctx)
	if err := a.startConsole(); err != nil {
		return err
	}
	if err := a.startReadiness(a.personal.mailBacklog()); err != nil {
		return err
	}
	handler, err := a.routes()
	if err != nil {
		return err
	}
	if err := a.startAnchors(ctx); err != nil {
		return err
	}
	stopJobs, err := a.startJobs(ctx)
	if err != nil {
		return err
	}
	defer stopJobs()
	srv, err := a.newServer(handler)
	if err != nil {
		return err
	}
	return a.serve(ctx, env, srv)
}

// serve serves srv until ctx is done. Once srv listens it announces where,
// and the demo stores its sample events; serve waits for that work before
// it returns, as it uses the stores run closes after.
func (a *app) serve(ctx context.Context, env *environment, srv *server.Server) error {
	// The work waits for srv to listen; a server that fails to start
	// must end the wait too.
	ctx, cancel := context.WithCancel(ctx)
	var started sync.WaitGroup
	defer started.Wait()
	defer cancel()
	started.Go(func() {
		select {
		case <-srv.Ready():
		case <-ctx.Done():
			return
		}
		a.scans.serving(srv.Addr())
		a.announce(ctx, env, srv)
		if a.search != nil {
			a.search.startFirst()
		}
		a.storeSampleEvents(ctx)
	})
	serve := srv.Run
	if a.listener != nil {
		serve = func(ctx context.Context) error { return srv.Serve(ctx, a.listener, nil) }
	}
	if err := serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// openDatabase opens Noren's database and brings its schema up to date,
// or checks that it is when migrate_on_start is off.
func (a *app) openDatabase(ctx context.Context) error {
	cfg := a.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	if err := migrateOnStart(ctx, cfg, db, a.logger); err != nil {
		db.Close()
		return err
	}
	a.db = db
	return nil
}

// migrateOnStart applies the pending migrations of db, or with
// migrate_on_start off refuses a database that has any.
func migrateOnStart(ctx context.Context, cfg *config.Config, db *store.DB, logger *slog.Logger) error {
	if !cfg.MigrateOnStart {
		pending, err := db.PendingMigrations(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if len(pending) > 0 {
			return fmt.Errorf("the database lacks %d migration(s) (%s); run noren migrate first", len(pending), strings.Join(pending, ", "))
		}
		return nil
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range applied {
		logger.Info("applied migration", "name", name)
	}
	return nil
}

// followManifest holds the manifest in force, and has what depends on it
// follow its changes: the policy versions recorded, and the hosts the
// Content-Security-Policy admits.
func (a *app) followManifest(ctx context.Context) {
	cfg, logger := a.cfg, a.logger
	a.current = manifest.NewCurrent(a.manifest, a.manifestPath, logger)
	a.current.Accept(a.acceptManifest)
	a.versions = policy.NewVersions(a.db)
	record := func(ctx context.Context, m *manifest.Manifest) {
		added, err := a.versions.Record(ctx, m, time.Now())
		if err != nil {
			logger.Error("record policy version", "version", m.VersionLabel(), "err", err)
			return
		}
		if added {
			logger.Info("new policy version published", "version", m.VersionLabel())
		}
	}
	record(ctx, a.manifest)
	// The Content-Security-Policy admits the hosts of the manifest's
	// third-party tools, and follows the manifest when it is reloaded.
	// Only when pages are rewritten are those tools' tags held back until
	// consent; without it the CSP keeps every third-party host out.
	a.csp = &server.CSPSources{}
	applyCSP := func(m *manifest.Manifest) {
		if err := a.csp.Set(consent.CSPSources(m, logger)); err != nil {
			logger.Error("tool hosts refused in the Content-Security-Policy; the previous ones stay", "err", err)
		}
	}
	if cfg.Site.Inject {
		applyCSP(a.manifest)
	}
	a.current.OnChange(func(ctx context.Context, m *manifest.Manifest) {
		record(ctx, m)
		if cfg.Site.Inject {
			applyCSP(m)
		}
	})
}

// openStores opens the vault and the mail, the console accounts, the audit
// trail, the consent records and the shared rate limits.
func (a *app) openStores(ctx context.Context, env *environment) error {
	if err := a.openRateLimits(); err != nil {
		return err
	}
	// The vault's keys also seal the console accounts' authenticator
	// secrets, so they are loaded first.
	personal, err := openPersonalData(ctx, a.cfg, env, a.db, a.demo, a.logger)
	if err != nil {
		return err
	}
	a.personal = personal
	if err := personal.openOutbox(a.db, a.instance); err != nil {
		return err
	}
	if a.accounts, err = account.NewStore(a.db, account.Options{Secrets: personal.keys}); err != nil {
		return err
	}
	if err := sealTOTPSecrets(ctx, a.accounts, personal.keys != nil, a.logger); err != nil {
		return err
	}
	a.trail = audit.New(a.db)
	a.records, err = consent.NewRecords(a.db)
	return err
}

// startConsole sets up the console.
func (a *app) startConsole() error {
	opt, err := a.consoleOptions()
	if err != nil {
		return err
	}
	a.console, err = admin.New(opt)
	return err
}

// consoleOptions returns the console's options with its sections; on the
// way it starts the data-subject requests the requests section answers.
func (a *app) consoleOptions() (admin.Options, error) {
	cfg, current, personal, logger := a.cfg, a.current, a.personal, a.logger
	opt := admin.Options{
		Accounts:         a.accounts,
		Trail:            a.trail,
		Manifest:         current.Get,
		Templates:        web.Templates,
		Logger:           logger,
		SessionIdle:      cfg.Admin.SessionIdle,
		SessionAbsolute:  cfg.Admin.SessionAbsolute,
		LockoutThreshold: cfg.Admin.LockoutThreshold,
		LockoutDuration:  cfg.Admin.LockoutDuration,
		AddressFailures:  cfg.Admin.AddressFailures,
		AddressWindow:    cfg.Admin.AddressWindow,
		RateLimits:       a.limits,
		TOTPIssuer:       totpIssuer(cfg, current.Get()),
		WebAuthnRPID:     webAuthnRPID(cfg, current.Get()),
		WebAuthnOrigins:  cfg.Admin.WebAuthnOrigins,
		WebAuthnRPName:   totpIssuer(cfg, current.Get()),
	}
	var err error
	if opt.Location, err = siteLocation(cfg); err != nil {
		return admin.Options{}, err
	}
	var analyticsOpt dashboard.Options
	if a.live != nil {
		analyticsOpt = dashboard.Options{Reader: a.live.store, Sites: a.live.sites}
	}
	opt.Sections = append(opt.Sections, dashboard.New(analyticsOpt))
	inboxOpt := inbox.Options{}
	if personal.vault != nil {
		if inboxOpt.Inbox, err = contact.NewInbox(a.db, personal.vault); err != nil {
			return admin.Options{}, err
		}
		if personal.mail != nil {
			inboxOpt.Mailer = personal.mail
		}
		if err := personal.startRequests(cfg, a.db, a.limits, current, a.chrome, publicBase(cfg, a.demo), logger); err != nil {
			return admin.Options{}, err
		}
	}
	opt.Sections = append(opt.Sections, inbox.New(inboxOpt), requestsSection(personal), statistics.New(statistics.Options{Records: a.records}), a.searchConsole(), a.scanConsole(), a.cspConsole(), personal.mailConsole())
	return opt, nil
}

// requestsSection is the console's section of data-subject requests,
// which says so when requests are off.
func requestsSection(personal *personalData) *requests.Pages {
	return requests.New(requests.Options{Requests: personal.requests, Mail: personal.queue != nil})
}

// startAnchors signs the audit trail's head at start, so that a bad anchor
// setting stops the server at once; a job signs it periodically after.
func (a *app) startAnchors(ctx context.Context) error {
	anchors, err := newAnchorer(a.cfg.Audit, a.trail, a.accounts, a.personal.mail, a.logger)
	if err != nil || anchors == nil {
		return err
	}
	if _, err := anchors.anchor(ctx, time.Now()); err != nil {
		return err
	}
	a.anchors = anchors
	return nil
}

// newServer is the HTTP server of handler: the server's middleware, the
// analytics collector's endpoints and /metrics on the app's registry.
func (a *app) newServer(handler routes) (*server.Server, error) {
	serverCfg := a.cfg.ServerConfig()
	// The manifest's TLS minimum is the server's: reloads that change it
	// are refused until a restart (see acceptManifest).
	serverCfg.TLS.MinVersion = a.current.Get().Security.TLSMinVersion
	serverCfg.AccessLog = a.accessLogger
	serverCfg.Readiness = a.readiness
	serverCfg.Headers.CSPSources = a.csp
	serverCfg.Headers.ConsolePrefix = admin.Prefix
	a.dataRoutes(&serverCfg)
	return server.New(serverCfg, handler.with(a.reg), a.logger, a.reg)
}

// announce prints where srv, which listens, serves, and for the demo how
// to sign in to the console.
func (a *app) announce(ctx context.Context, env *environment, srv *server.Server) {
	addr := srv.Addr().String()
	scheme := "http"
	if a.cfg.TLSEnabled() {
		scheme = "https"
	}
	if a.demo {
		if ap, err := netip.ParseAddrPort(addr); err == nil {
			addr = fmt.Sprintf("%s:%d", demoDomain, ap.Port())
		}
	}
	fmt.Fprintf(env.stdout, "Noren is serving %s://%s/\n", scheme, addr)
	if a.demo {
		// The demo owner's password is hashed once the listener is up, so
		// that it does not delay serving.
		owner, err := ensureDemoOwner(ctx, a.accounts, a.trail)
		if err != nil {
			a.logger.Error("demo owner", "err", err)
		} else {
			fmt.Fprintf(env.stdout, "Console: %s://%s/admin/\n%s", scheme, addr, owner)
		}
	}
	if env.ready != nil {
		env.ready(srv.Addr().String())
	}
}

// storeSampleEvents has the demo store its generated analytics events, once
// it serves so that it does not delay serving.
func (a *app) storeSampleEvents(ctx context.Context) {
	if !a.demo || a.live == nil || a.sampleEvents <= 0 {
		return
	}
	if err := a.live.sample(ctx, a.sampleEvents, a.logger); err != nil && ctx.Err() == nil {
		a.logger.Error("demo sample events", "err", err)
	}
}

// routes is the application's handler before the server's middleware, with
// /metrics still to be attached to the server's registry.
type routes struct {
	mux     *http.ServeMux
	metrics []netip.Prefix
	// layout dresses Noren's own public pages in the site's layout.
	layout *page.SiteLayout
}

func (r routes) with(reg *prometheus.Registry) http.Handler {
	r.mux.Handle("GET /metrics", server.AllowOnly(r.metrics, server.MetricsHandler(reg)))
	dressed := r.layout.Wrap(r.mux)
	return site.Compress(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// The site's own pages, which stream, the console and Noren's
		// assets are not dressed, nor held to be looked at.
		if _, pattern := r.mux.Handler(req); pattern == "/" ||
			strings.HasPrefix(req.URL.Path, admin.Prefix) || strings.HasPrefix(req.URL.Path, "/noren/") {
			r.mux.ServeHTTP(w, req)
			return
		}
		dressed.ServeHTTP(w, req)
	}))
}

// routes wires the application's handlers, step by step, onto one mux.
func (a *app) routes() (routes, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", server.Healthz())
	mux.Handle("GET /readyz", a.readiness)
	m := a.current.Get()
	langs, def := m.Languages, m.DefaultLang
	if err := a.routeAssets(mux, langs, def); err != nil {
		return routes{}, err
	}
	a.console.Register(mux)
	if err := a.routePrivacy(mux); err != nil {
		return routes{}, err
	}
	if err := a.routeSearch(mux, langs); err != nil {
		return routes{}, err
	}
	siteHandler, layout, err := a.routeSite(mux, langs, def)
	if err != nil {
		return routes{}, err
	}
	if err := a.routeStatistics(mux, siteHandler); err != nil {
		return routes{}, err
	}
	return routes{mux: mux, metrics: a.cfg.HTTP.MetricsAllow, layout: layout}, nil
}

// routeAssets serves Noren's own scripts, styles and images under /noren/.
func (a *app) routeAssets(mux *http.ServeMux, langs []string, def string) error {
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return err
	}
	assets, err := site.NewStatic(static, site.Options{Languages: langs, DefaultLanguage: def, Logger: a.logger})
	if err != nil {
		return err
	}
	mux.Handle("GET /noren/", http.StripPrefix("/noren", assets))
	return nil
}

// routePrivacy serves the privacy layer's public pages and endpoints: the
// consent choices, the analytics collector, the contact forms, the
// data-subject requests and the policies.
func (a *app) routePrivacy(mux *http.ServeMux) error {
	cfg, current, logger := a.cfg, a.current, a.logger
	zone, err := siteLocation(cfg)
	if err != nil {
		return err
	}
	choices, err := consent.NewHandler(consent.Options{Manifest: current.Get, Records: a.records, Chrome: a.chrome, Logger: logger, Location: zone})
	if err != nil {
		return err
	}
	choices.Register(mux)
	if a.live != nil {
		a.live.collector.Register(mux)
	}
	base := publicBase(cfg, a.demo)
	if err := a.personal.registerContact(mux, cfg, a.db, a.limits, current, a.chrome, base, logger); err != nil {
		return err
	}
	if a.personal.requests != nil {
		a.personal.requests.Register(mux)
	}
	policies, err := policy.NewHandler(policy.Options{
		Manifest:   current.Get,
		Chrome:     a.chrome,
		Versions:   a.versions,
		ChoicesURL: consent.ChoicesPath,
		Location:   zone,
		Logger:     logger,
		Verified:   a.scanVerified,
	})
	if err != nil {
		return err
	}
	policies.Register(mux)
	return nil
}

// routeSite serves the site itself at /, and /favicon.ico for a site that
// has none. It returns the site's handler and the layout Noren's own pages
// take from the site.
func (a *app) routeSite(mux *http.ServeMux, langs []string, def string) (http.Handler, *page.SiteLayout, error) {
	cfg := a.cfg
	opt := site.Options{
		Languages:       langs,
		DefaultLanguage: def,
		Nonce:           server.Nonce,
		BlockInlineCode: cfg.HTTP.InlineCode == config.InlineCodeBlock,
		Logger:          a.logger,
		Proxy: site.ProxyOptions{
			DialTimeout:           cfg.Proxy.DialTimeout,
			ResponseHeaderTimeout: cfg.Proxy.ResponseHeaderTimeout,
			IdleConnTimeout:       cfg.Proxy.IdleConnTimeout,
		},
		RedirectRoot: cfg.Site.RedirectRoot,
	}
	// Noren reads a few of the site's pages itself: where each language's
	// home page is, and the page whose layout its own pages take.
	origin := site.FolderOrigin(a.siteFS)
	if a.upstream != nil {
		var err error
		if origin, err = site.UpstreamOrigin(a.upstream, opt.Proxy); err != nil {
			return nil, nil, err
		}
	}
	opt.Homes = site.NewHomes(origin, langs, def)
	layout, err := page.NewSiteLayout(page.SiteLayoutOptions{
		Source:    origin,
		Home:      opt.Homes.Home,
		Languages: langs,
		Page:      cfg.Site.LayoutPage,
		Main:      cfg.Site.LayoutMain,
		Nonce:     server.Nonce,
		Logger:    a.logger,
	})
	if err != nil {
		return nil, nil, err
	}
	siteHandler, err := a.siteHandler(opt)
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("/", siteHandler)
	icon, err := fs.ReadFile(web.Static, "static/favicon.svg")
	if err != nil {
		return nil, nil, err
	}
	mux.Handle("GET /favicon.ico", faviconHandler(siteHandler, icon))
	return siteHandler, layout, nil
}

// siteHandler serves the site's pages from its folder or its upstream,
// with Noren's additions when site.inject is on.
func (a *app) siteHandler(opt site.Options) (http.Handler, error) {
	inject := a.cfg.Site.Inject
	if inject {
		var err error
		if opt.Injection, err = a.injection(opt.Languages, opt.Homes); err != nil {
			return nil, err
		}
	}
	var h http.Handler
	var err error
	if a.upstream != nil {
		h, err = site.NewProxy(a.upstream, opt)
	} else {
		h, err = site.NewStatic(a.siteFS, opt)
	}
	if err != nil || !inject {
		return h, err
	}
	// Pages carry the banner's configuration, which depends on the
	// request's Global Privacy Control signal; shared caches must keep
	// the two answers apart.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Sec-GPC")
		h.ServeHTTP(w, r)
	}), nil
}

// routeStatistics serves the public statistics when analytics is on; the
// site answers for them while they are unpublished.
func (a *app) routeStatistics(mux *http.ServeMux, siteHandler http.Handler) error {
	live := a.live
	if live == nil {
		return nil
	}
	stats, err := publicstats.New(publicstats.Options{
		Reader:      live.store,
		DB:          a.db,
		Site:        live.sites[0],
		Location:    live.location,
		Manifest:    a.current.Get,
		Chrome:      a.chrome,
		Logger:      a.logger,
		Unpublished: siteHandler,
	})
	if err != nil {
		return err
	}
	stats.Register(mux)
	return nil
}

// injection is what Noren adds to the site's HTML pages: the policy links,
// the consent banner and the tracker in the head, the holding back of
// tools' tags until consent, and the footer links and the no-JavaScript
// pixel at the end.
func (a *app) injection(langs []string, homes *site.Homes) (site.Injection, error) {
	current, live, logger := a.current, a.live, a.logger
	var inj site.Injection
	inj.Head = func(r *http.Request, lang, nonce string) string {
		m := current.Get()
		return policy.HeadLinks(m, lang) + live.trackerHead(m, nonce)
	}
	// The consent script comes before the page's first script, so that
	// it holds gated tags and sets Consent Mode's defaults before any
	// of the page's own scripts run.
	inj.HeadStart = func(r *http.Request, lang, nonce string) string {
		snippet, err := consent.Snippet(current.Get(), lang, consent.GPC(r), nonce)
		if err != nil {
			logger.Error("consent page configuration", "err", err)
			return ""
		}
		return snippet
	}
	inj.StartTags = []site.TagRewriter{consent.BlockRewriter(current.Get), consent.ShareRewriter()}
	box, err := a.searchBox()
	if err != nil {
		return site.Injection{}, err
	}
	if box != nil {
		inj.StartTags = append(inj.StartTags, *box)
	}
	// The consent configuration in the head tells whether the request
	// carried a GPC signal, so a copy kept from without one must not be
	// confirmed for a request with one, nor the other way round.
	// The no-JavaScript pixel is there only for visitors counted.
	// Every page view asks, and reading the build information is slow.
	version := versionString()
	inj.Fingerprint = func(r *http.Request) string {
		m := current.Get()
		return fmt.Sprintf("%s %s gpc=%t counted=%t", version, m.Hash(), consent.GPC(r), live.counts(m, r))
	}
	links := func(*http.Request, string) string { return "" }
	if a.cfg.Site.Footer != config.FooterOff {
		cookiesName := func(lang string) string { return current.Get().Policy.CookiesTitle(lang) }
		if links, err = site.FooterLinks(langs, true, homes, cookiesName); err != nil {
			return site.Injection{}, err
		}
	}
	inj.Footer = func(r *http.Request, lang string) string {
		return links(r, lang) + live.pixel(current.Get(), r)
	}
	return inj, nil
}

// demoOwnerEmail is the owner account noren demo creates.
const demoOwnerEmail = "owner@" + demoDomain

// ensureDemoOwner creates the demo's owner account on the first run and
// returns the lines that tell its password, which is shown this once; on
// later runs it returns a reminder instead.
func ensureDemoOwner(ctx context.Context, accounts *account.Store, trail *audit.Trail) (string, error) {
	if _, err := accounts.ByEmail(ctx, demoOwnerEmail); err == nil {
		return fmt.Sprintf("Sign in as %s with the password printed when this data folder was created\n(or run: noren user reset -data DIR -email %s).\n", demoOwnerEmail, demoOwnerEmail), nil
	} else if !errors.Is(err, account.ErrNotFound) {
		return "", err
	}
	password := account.GeneratePassword()
	u, err := accounts.Create(ctx, account.Profile{Email: demoOwnerEmail, Name: "Demo owner", Role: account.Owner}, password, time.Now())
	if err != nil {
		return "", fmt.Errorf("create the demo owner: %w", err)
	}
	_, err = trail.Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: "user.create",
		Object: fmt.Sprintf("user:%d", u.ID), Outcome: audit.OK, Detail: map[string]string{"account": u.Email, "role": string(u.Role)}})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Sign in as %s\npassword: %s\n(shown once; you will set up an authenticator app at the first sign-in).\n", demoOwnerEmail, password), nil
}

// webAuthnRPID is the host name the console's passkeys are bound to:
// admin.webauthn_rp_id, else the site's domain; empty turns passkeys off.
// A site domain that browsers refuse as one, an IP address or a name of
// one label other than localhost, leaves passkeys off rather than stopping
// the server.
func webAuthnRPID(cfg *config.Config, m *manifest.Manifest) string {
	if cfg.Admin.WebAuthnRPID != "" {
		return cfg.Admin.WebAuthnRPID
	}
	domain := cfg.Site.Domain
	if domain == "" {
		domain = m.Site.Domain
	}
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if _, err := netip.ParseAddr(domain); err == nil || strings.HasPrefix(domain, "*") ||
		(domain != "localhost" && !strings.Contains(domain, ".")) {
		return ""
	}
	return domain
}

// totpIssuer is the name authenticator apps show for the console's codes.
func totpIssuer(cfg *config.Config, m *manifest.Manifest) string {
	if cfg.Admin.TOTPIssuer != "" {
		return cfg.Admin.TOTPIssuer
	}
	domain := cfg.Site.Domain
	if domain == "" {
		domain = m.Site.Domain
	}
	if domain == "" {
		return "Noren"
	}
	return "Noren (" + domain + ")"
}
