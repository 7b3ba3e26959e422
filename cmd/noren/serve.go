package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/publicstats"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
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
	if cfg.Site.Mode == "static" {
		if err := checkSiteRoot(cfg.Site.Root); err != nil {
			return err
		}
	}
	if *noMigrate {
		cfg.MigrateOnStart = false
	}
	m, err := manifest.Load(cfg.Manifest)
	if err != nil {
		return fmt.Errorf("refusing to start with an invalid manifest:\n%w", err)
	}
	a := app{cfg: cfg, manifest: m, manifestPath: cfg.Manifest}
	switch cfg.Site.Mode {
	case "static":
		// Confined to the folder: no link leads out of it.
		a.siteFS = site.DirFS(cfg.Site.Root)
	case "proxy":
		u, err := url.Parse(cfg.Site.Upstream)
		if err != nil {
			return fmt.Errorf("site.upstream: %w", err)
		}
		a.upstream = u
	}
	return a.run(ctx, env)
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
	prefixes, err := parsePrefixes(*trusted)
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
}

// servingGCPercent is the garbage collector's target while serving, unless
// GOGC says otherwise. Under load Noren's heap is mostly short-lived
// request garbage; collecting at 50 % growth instead of 100 % keeps the
// resident memory under the collector's load about a fifth lower for about
// 3 % of its throughput (docs/benchmarks.md).
const servingGCPercent = 50

func (a *app) run(ctx context.Context, env *environment) error {
	cfg := a.cfg
	logger := cfg.Logger(env.stderr)
	if _, set := envValue(env, "GOGC"); !set {
		debug.SetGCPercent(servingGCPercent)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.MigrateOnStart {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, name := range applied {
			logger.Info("applied migration", "name", name)
		}
	} else if pending, err := db.PendingMigrations(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	} else if len(pending) > 0 {
		return fmt.Errorf("the database lacks %d migration(s) (%s); run noren migrate first", len(pending), strings.Join(pending, ", "))
	}

	current := manifest.NewCurrent(a.manifest, a.manifestPath, logger)
	versions := policy.NewVersions(db)
	record := func(ctx context.Context, m *manifest.Manifest) {
		added, err := versions.Record(ctx, m, time.Now())
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
	cspSources := &server.CSPSources{}
	applyCSP := func(m *manifest.Manifest) {
		if err := cspSources.Set(consent.CSPSources(m, logger)); err != nil {
			logger.Error("tool hosts refused in the Content-Security-Policy; the previous ones stay", "err", err)
		}
	}
	if cfg.Site.Inject {
		applyCSP(a.manifest)
	}
	current.OnChange(func(ctx context.Context, m *manifest.Manifest) {
		record(ctx, m)
		if cfg.Site.Inject {
			applyCSP(m)
		}
	})

	// The vault's keys also seal the console accounts' authenticator
	// secrets, so they are loaded first.
	personal, err := openPersonalData(ctx, cfg, env, db, a.demo, logger)
	if err != nil {
		return err
	}
	accounts, err := account.NewStore(db, account.Options{Secrets: personal.keys})
	if err != nil {
		return err
	}
	if err := sealTOTPSecrets(ctx, accounts, personal.keys != nil, logger); err != nil {
		return err
	}
	trail := audit.New(db)
	records, err := consent.NewRecords(db)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	live, err := startAnalytics(ctx, cfg, db, current, a.demo, reg, logger)
	if err != nil {
		return err
	}
	// Stopping writes every accepted event once the server has stopped
	// taking requests, before the database closes.
	defer func() {
		if err := live.close(); err != nil {
			logger.Error("analytics: stopping", "err", err)
		}
	}()

	opt := admin.Options{
		Accounts:         accounts,
		Trail:            trail,
		Consent:          records,
		Manifest:         current.Get,
		Templates:        web.Templates,
		Logger:           logger,
		SessionIdle:      cfg.Admin.SessionIdle,
		SessionAbsolute:  cfg.Admin.SessionAbsolute,
		LockoutThreshold: cfg.Admin.LockoutThreshold,
		LockoutDuration:  cfg.Admin.LockoutDuration,
		AddressFailures:  cfg.Admin.AddressFailures,
		AddressWindow:    cfg.Admin.AddressWindow,
		TOTPIssuer:       totpIssuer(cfg, current.Get()),
		WebAuthnRPID:     webAuthnRPID(cfg, current.Get()),
		WebAuthnOrigins:  cfg.Admin.WebAuthnOrigins,
		WebAuthnRPName:   totpIssuer(cfg, current.Get()),
	}
	if opt.Location, err = siteLocation(cfg); err != nil {
		return err
	}
	if live != nil {
		opt.Analytics, opt.AnalyticsSites = live.store, live.sites
	}
	if personal.vault != nil {
		if opt.Inbox, err = contact.NewInbox(db, personal.vault); err != nil {
			return err
		}
		if personal.mail != nil {
			opt.Mailer = personal.mail
		}
		if err := personal.startRequests(cfg, db, current, publicBase(cfg, a.demo), logger); err != nil {
			return err
		}
		opt.Requests = personal.requests
	}
	console, err := admin.New(opt)
	if err != nil {
		return err
	}
	go console.Run(ctx)

	handler, err := a.routes(current, versions, db, console, records, live, personal, logger)
	if err != nil {
		return err
	}
	if personal.vault != nil {
		go personal.shredExpired(ctx, trail, logger)
	}
	// The audit trail's head is signed at start, so that a bad anchor
	// setting stops the server at once, and then periodically.
	anchors, err := newAnchorer(cfg.Audit, trail, accounts, personal.mail, logger)
	if err != nil {
		return err
	}
	if anchors != nil {
		if _, err := anchors.anchor(ctx, time.Now()); err != nil {
			return err
		}
		go anchors.run(ctx, cfg.Audit.AnchorInterval)
	}
	serverCfg := cfg.ServerConfig()
	serverCfg.Headers.CSPSources = cspSources
	serverCfg.Headers.ConsolePrefix = admin.Prefix
	if live != nil {
		serverCfg.DataPaths = analytics.CollectorPaths()
		serverCfg.DataHandler = live.collector.Handler()
	}
	srv, err := server.New(serverCfg, handler.with(reg), logger, reg)
	if err != nil {
		return err
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go current.Watch(ctx, cfg.ManifestReload, hup)

	go func() {
		select {
		case <-srv.Ready():
		case <-ctx.Done():
			return
		}
		addr := srv.Addr().String()
		scheme := "http"
		if cfg.TLSEnabled() {
			scheme = "https"
		}
		if a.demo {
			if ap, err := netip.ParseAddrPort(addr); err == nil {
				addr = fmt.Sprintf("%s:%d", demoDomain, ap.Port())
			}
		}
		fmt.Fprintf(env.stdout, "Noren is serving %s://%s/\n", scheme, addr)
		if a.demo {
			// The demo owner's password is hashed, and the sample events
			// generated, once the listener is up: neither delays serving.
			owner, err := ensureDemoOwner(ctx, accounts, trail)
			if err != nil {
				logger.Error("demo owner", "err", err)
			} else {
				fmt.Fprintf(env.stdout, "Console: %s://%s/admin/\n%s", scheme, addr, owner)
			}
			if live != nil && a.sampleEvents > 0 {
				go func() {
					if err := live.sample(ctx, a.sampleEvents, logger); err != nil && ctx.Err() == nil {
						logger.Error("demo sample events", "err", err)
					}
				}()
			}
		}
		if env.ready != nil {
			env.ready(srv.Addr().String())
		}
	}()
	serve := srv.Run
	if a.listener != nil {
		serve = func(ctx context.Context) error { return srv.Serve(ctx, a.listener, nil) }
	}
	if err := serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// routes is the application's handler before the server's middleware, with
// /metrics still to be attached to the server's registry.
type routes struct {
	mux     *http.ServeMux
	metrics []netip.Prefix
	// layout dresses Noren's own public pages in the site's layout.
	layout *site.SiteLayout
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

func (a *app) routes(current *manifest.Current, versions *policy.Versions, db *store.DB, console *admin.Console, records *consent.Records, live *liveAnalytics, personal *personalData, logger *slog.Logger) (routes, error) {
	cfg := a.cfg
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", server.Healthz(server.HealthCheck{Name: "database", Check: db.Ping}))

	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return routes{}, err
	}
	langs := current.Get().Languages
	def := current.Get().DefaultLang
	assets, err := site.NewStatic(static, site.Options{Languages: langs, DefaultLanguage: def, Logger: logger})
	if err != nil {
		return routes{}, err
	}
	mux.Handle("GET /noren/", http.StripPrefix("/noren", assets))

	console.Register(mux)

	zone, err := siteLocation(a.cfg)
	if err != nil {
		return routes{}, err
	}
	choices, err := consent.NewHandler(consent.Options{Manifest: current.Get, Records: records, Templates: web.Templates, Logger: logger, Location: zone})
	if err != nil {
		return routes{}, err
	}
	choices.Register(mux)
	if live != nil {
		live.collector.Register(mux)
	}
	base := publicBase(cfg, a.demo)
	if err := personal.registerContact(mux, cfg, db, current, base, logger); err != nil {
		return routes{}, err
	}
	if personal.requests != nil {
		personal.requests.Register(mux)
	}

	policy.NewHandler(policy.Options{
		Manifest:   current.Get,
		Versions:   versions,
		ChoicesURL: consent.ChoicesPath,
		Location:   zone,
		Logger:     logger,
	}).Register(mux)

	opt := site.Options{
		Languages:       langs,
		DefaultLanguage: def,
		Nonce:           server.Nonce,
		BlockInlineCode: cfg.HTTP.InlineCode == config.InlineCodeBlock,
		Logger:          logger,
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
		if origin, err = site.UpstreamOrigin(a.upstream, opt.Proxy); err != nil {
			return routes{}, err
		}
	}
	opt.Homes = site.NewHomes(origin, langs, def)
	layout, err := site.NewSiteLayout(site.SiteLayoutOptions{
		Origin:    origin,
		Homes:     opt.Homes,
		Languages: langs,
		Page:      cfg.Site.LayoutPage,
		Main:      cfg.Site.LayoutMain,
		Nonce:     server.Nonce,
		Logger:    logger,
	})
	if err != nil {
		return routes{}, err
	}
	if cfg.Site.Inject {
		opt.Injection.Head = func(r *http.Request, lang, nonce string) string {
			m := current.Get()
			return headSnippet(m, lang) + live.trackerHead(m, nonce)
		}
		// The consent script comes before the page's first script, so that
		// it holds gated tags and sets Consent Mode's defaults before any
		// of the page's own scripts run.
		opt.Injection.HeadStart = func(r *http.Request, lang, nonce string) string {
			config, err := consent.PageConfig(current.Get(), lang, consent.GPC(r))
			if err != nil {
				logger.Error("consent page configuration", "err", err)
				return ""
			}
			return consentSnippet(config, nonce)
		}
		opt.Injection.StartTags = []site.TagRewriter{consent.BlockRewriter(current.Get), consent.ShareRewriter()}
		// The consent configuration in the head tells whether the request
		// carried a GPC signal, so a copy kept from without one must not be
		// confirmed for a request with one, nor the other way round.
		// The no-JavaScript pixel is there only for visitors counted.
		// Every page view asks, and reading the build information is slow.
		version := versionString()
		opt.Injection.Fingerprint = func(r *http.Request) string {
			m := current.Get()
			return fmt.Sprintf("%s %s gpc=%t counted=%t", version, m.Hash(), consent.GPC(r), live.counts(m, r))
		}
		links := func(*http.Request, string) string { return "" }
		if cfg.Site.Footer != config.FooterOff {
			if links, err = site.FooterLinks(langs, true, opt.Homes); err != nil {
				return routes{}, err
			}
		}
		opt.Injection.Footer = func(r *http.Request, lang string) string {
			return links(r, lang) + live.pixel(current.Get(), r)
		}
	}
	var siteHandler http.Handler
	if a.upstream != nil {
		siteHandler, err = site.NewProxy(a.upstream, opt)
	} else {
		siteHandler, err = site.NewStatic(a.siteFS, opt)
	}
	if err != nil {
		return routes{}, err
	}
	if cfg.Site.Inject {
		// Pages carry the banner's configuration, which depends on the
		// request's Global Privacy Control signal; shared caches must keep
		// the two answers apart.
		inner := siteHandler
		siteHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Sec-GPC")
			inner.ServeHTTP(w, r)
		})
	}
	mux.Handle("/", siteHandler)
	icon, err := fs.ReadFile(web.Static, "static/favicon.svg")
	if err != nil {
		return routes{}, err
	}
	mux.Handle("GET /favicon.ico", faviconHandler(siteHandler, icon))
	if live != nil {
		stats, err := publicstats.New(publicstats.Options{
			Reader:      live.store,
			Site:        live.sites[0],
			Location:    live.location,
			Manifest:    current.Get,
			Templates:   web.Templates,
			Logger:      logger,
			Unpublished: siteHandler,
		})
		if err != nil {
			return routes{}, err
		}
		stats.Register(mux)
	}
	return routes{mux: mux, metrics: cfg.HTTP.MetricsAllow, layout: layout}, nil
}

// headSnippet is what Noren adds to the head of every site page: the
// machine-readable links to the policies in force and their version.
func headSnippet(m *manifest.Manifest, lang string) string {
	return fmt.Sprintf(`<link rel="privacy-policy" href="/%s/privacy"><meta name="noren-policy-version" content="%s">`,
		lang, html.EscapeString(m.VersionLabel()))
}

// consentSnippet loads the consent banner on a page: its stylesheet, the
// page's configuration as inert JSON, and the script, which runs at once
// (not deferred) so that it holds gated tags before the page's own scripts
// run.
func consentSnippet(config []byte, nonce string) string {
	return `<link rel="stylesheet" href="/noren/consent.css"><script id="noren-consent-config" type="application/json">` +
		string(config) + `</script><script src="/noren/consent.js" nonce="` + html.EscapeString(nonce) + `"></script>`
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("bad address or CIDR %q", part)
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("bad CIDR %q", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
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
