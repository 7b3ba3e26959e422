// Package config reads Noren's configuration: built-in defaults, then one
// YAML file, then NOREN_* environment variables, then command-line flags,
// each overriding the one before. Every problem found is reported at once,
// naming the key and, for the file, the line.
package config

import (
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/noren-web/noren/internal/server"
)

// Config is the whole configuration. Each leaf field is one key; its path
// is the chain of yaml names ("site.upstream") and its environment variable
// is NOREN_ followed by the path in capitals with dots as underscores
// (NOREN_SITE_UPSTREAM). A key that names a file or folder is tagged
// path:"file" (path:"dsn" for a database DSN), so that a relative path
// written in the file is taken from the file's folder.
type Config struct {
	// Listen is the address of the main listener.
	Listen string `yaml:"listen"`
	// DataDir holds the database, ACME certificates and other state.
	DataDir string `yaml:"data_dir" path:"file"`
	// Database is the DSN: "sqlite:PATH" or a postgres:// URL. Empty means
	// sqlite:<data_dir>/noren.db.
	Database string `yaml:"database" path:"dsn"`
	// MigrateOnStart applies pending database migrations when serving starts.
	MigrateOnStart bool `yaml:"migrate_on_start"`
	// Manifest is the path of the privacy manifest.
	Manifest string `yaml:"manifest" path:"file"`
	// ManifestReload is how often the manifest file is checked for changes;
	// zero turns reloading off.
	ManifestReload time.Duration `yaml:"manifest_reload"`

	Site  Site  `yaml:"site"`
	TLS   TLS   `yaml:"tls"`
	HTTP  HTTP  `yaml:"http"`
	Proxy Proxy `yaml:"proxy"`
	Admin Admin `yaml:"admin"`

	Analytics Analytics `yaml:"analytics"`
	Vault     Vault     `yaml:"vault"`
	Audit     Audit     `yaml:"audit"`
	SMTP      SMTP      `yaml:"smtp"`
	Contact   Contact   `yaml:"contact"`
	Requests  Requests  `yaml:"requests"`
	Search    Search    `yaml:"search"`
	Scan      Scan      `yaml:"scan"`
	// CSPReports configures the endpoint that counts the
	// Content-Security-Policy violations visitors' browsers report.
	CSPReports CSPReports `yaml:"csp_reports"`

	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix `yaml:"trusted_proxies"`

	Log Log `yaml:"log"`
}

// Site configures the website Noren serves.
type Site struct {
	// Mode is "static" (files from Root) or "proxy" (requests passed to
	// Upstream). Empty means proxy when Upstream is set, static otherwise.
	Mode string `yaml:"mode"`
	// Root is the folder served in static mode.
	Root string `yaml:"root" path:"file"`
	// Upstream is the http:// or https:// URL requests are passed to in
	// proxy mode.
	Upstream string `yaml:"upstream"`
	// Domain is the site's public host name, such as "www.example.jp".
	Domain string `yaml:"domain"`
	// Languages are the languages Noren's pages are offered in.
	Languages []string `yaml:"languages"`
	// DefaultLanguage is the language for visitors who state no preference.
	DefaultLanguage string `yaml:"default_language"`
	// Inject adds Noren's banner and links to the site's HTML pages.
	Inject bool `yaml:"inject"`
	// Footer places Noren's links to the privacy and cookie policies in
	// the site's HTML pages: FooterAuto or FooterOff.
	Footer string `yaml:"footer"`
	// RedirectRoot sends "/" to the home page in the visitor's language
	// when the site has it in a folder (/ja/, /en/), even when the site has
	// a root page of its own.
	RedirectRoot bool `yaml:"redirect_root"`
	// LayoutPage is the path of a page of the site, "{lang}" standing for
	// the language, whose header, navigation and footer Noren's own pages
	// are shown in; empty keeps Noren's own layout.
	LayoutPage string `yaml:"layout_page"`
	// LayoutMain is the CSS selector of the element of the layout page
	// whose content Noren's page replaces.
	LayoutMain string `yaml:"layout_main"`
}

// Values of Site.Footer.
const (
	// FooterAuto puts the footer into the page's element marked
	// data-noren-footer, or else before </body>.
	FooterAuto = "auto"
	// FooterOff leaves the footer out.
	FooterOff = "off"
)

// TLS configures HTTPS.
type TLS struct {
	// Cert and Key are PEM files; they are reloaded when they change.
	Cert string `yaml:"cert" path:"file"`
	Key  string `yaml:"key" path:"file"`
	// ACME obtains certificates automatically instead.
	ACME ACME `yaml:"acme"`
	// RedirectHTTP is the address of a plain-HTTP listener that redirects to
	// HTTPS and answers ACME http-01 challenges, such as ":80".
	RedirectHTTP string `yaml:"redirect_http"`
	// HSTSMaxAge is the Strict-Transport-Security max-age in seconds.
	HSTSMaxAge int `yaml:"hsts_max_age"`
	// HSTSIncludeSubdomains extends HSTS to every subdomain.
	HSTSIncludeSubdomains bool `yaml:"hsts_include_subdomains"`
	// Offloaded states that TLS is terminated by a proxy in front of
	// Noren, so that the manifest's TLS claim holds while Noren itself
	// serves plain HTTP to that proxy.
	Offloaded bool `yaml:"offloaded"`
}

// ACME configures automatic certificates.
type ACME struct {
	// Domains are the host names to obtain certificates for.
	Domains []string `yaml:"domains"`
	// Email is the contact address given to the certificate authority.
	Email string `yaml:"email"`
	// CacheDir keeps certificates and the account key. Empty means
	// <data_dir>/acme.
	CacheDir string `yaml:"cache_dir" path:"file"`
	// DirectoryURL is the ACME directory; empty means Let's Encrypt.
	DirectoryURL string `yaml:"directory_url"`
}

// Values of HTTP.CSP.
const (
	// CSPEnforce has browsers block what the policy does not admit.
	CSPEnforce = "enforce"
	// CSPReportOnly has them only report it.
	CSPReportOnly = "report-only"
)

// Values of HTTP.InlineCode.
const (
	// InlineCodeAllow gives the site's own inline scripts and styles the
	// response's nonce, and hashes the code of its attributes into the
	// policy, so that pages work as they did before Noren.
	InlineCodeAllow = "allow"
	// InlineCodeBlock leaves them to the policy, which blocks them: for a
	// site with no inline code, where markup injected into its pages must
	// not run either.
	InlineCodeBlock = "block"
)

// HTTP configures request handling.
type HTTP struct {
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	// DrainDelay is how long Noren goes on serving, unready, once told to
	// stop, so that load balancers stop sending it requests first.
	DrainDelay time.Duration `yaml:"drain_delay"`
	// ReadinessMailWait makes an instance unready when a due message in
	// the mail outbox has waited longer; 0 leaves the outbox out.
	ReadinessMailWait time.Duration `yaml:"readiness_mail_wait"`
	MaxBodyBytes      ByteSize      `yaml:"max_body_bytes"`
	MaxHeaderBytes    ByteSize      `yaml:"max_header_bytes"`
	// FrameAncestors lists who may embed the site in a frame.
	FrameAncestors []string `yaml:"frame_ancestors"`
	// CSPExtra adds sources to Content-Security-Policy directives.
	CSPExtra map[string][]string `yaml:"csp_extra"`
	// CSP is how the public pages' Content-Security-Policy is sent:
	// CSPEnforce, or CSPReportOnly for a first deployment.
	CSP string `yaml:"csp"`
	// InlineCode says whether the site's own inline code may run:
	// InlineCodeAllow, or InlineCodeBlock.
	InlineCode string `yaml:"inline_code"`
	// PermissionsPolicy replaces the built-in Permissions-Policy; empty
	// keeps it.
	PermissionsPolicy string `yaml:"permissions_policy"`
	// MetricsAllow are the networks allowed to read /metrics.
	MetricsAllow []netip.Prefix `yaml:"metrics_allow"`
}

// Proxy configures the connection to the upstream in proxy mode.
type Proxy struct {
	DialTimeout           time.Duration `yaml:"dial_timeout"`
	ResponseHeaderTimeout time.Duration `yaml:"response_header_timeout"`
	IdleConnTimeout       time.Duration `yaml:"idle_conn_timeout"`
}

// Admin configures the administration console at /admin/.
type Admin struct {
	// SessionIdle ends a console session after this long without a request.
	SessionIdle time.Duration `yaml:"session_idle"`
	// SessionAbsolute ends a console session this long after sign-in,
	// however active it is.
	SessionAbsolute time.Duration `yaml:"session_absolute"`
	// LockoutThreshold is how many wrong passwords in a row lock an account.
	LockoutThreshold int `yaml:"lockout_threshold"`
	// LockoutDuration is how long a locked account stays locked.
	LockoutDuration time.Duration `yaml:"lockout_duration"`
	// AddressFailures is how many failed sign-ins one client network may
	// make within a sliding AddressWindow before it is refused.
	AddressFailures int `yaml:"address_failures"`
	// AddressWindow is the period AddressFailures counts over.
	AddressWindow time.Duration `yaml:"address_window"`
	// WebAuthnRPID is the relying-party id passkeys are bound to: the
	// console's host name. Empty means site.domain.
	WebAuthnRPID string `yaml:"webauthn_rp_id"`
	// WebAuthnOrigins are the origins the console is reached at, such as
	// "https://www.example.jp". Empty means https:// plus the relying-party
	// id (and http:// for localhost names).
	WebAuthnOrigins []string `yaml:"webauthn_origins"`
	// TOTPIssuer is the name authenticator apps show for Noren's codes.
	// Empty means "Noren" plus the site's domain.
	TOTPIssuer string `yaml:"totp_issuer"`
}

// Analytics configures the cookieless analytics. Pages load the tracker
// only when the manifest declares Noren's own analytics (a first-party
// tool of kind analytics), and wait for consent when its category needs
// it.
type Analytics struct {
	// Enabled turns the collector and the dashboard on.
	Enabled bool `yaml:"enabled"`
	// Backend is where events are kept: "database" (Noren's own SQLite
	// or PostgreSQL database) or "clickhouse".
	Backend string `yaml:"backend"`
	// ClickHouseURL is the clickhouse:// DSN of the ClickHouse backend:
	// on a cluster, of the server (or servers) this instance queries.
	ClickHouseURL string `yaml:"clickhouse_url"`
	// ClickHouseCluster names the ClickHouse cluster, in its servers'
	// remote_servers, that events are sharded over. Empty means one
	// server.
	ClickHouseCluster string `yaml:"clickhouse_cluster"`
	// ClickHouseShards are the clickhouse:// DSNs of one server of each
	// shard of ClickHouseCluster, where Noren creates each shard's tables.
	ClickHouseShards []string `yaml:"clickhouse_shards"`
	// Sites are further domains whose events are accepted besides
	// site.domain.
	Sites []string `yaml:"sites"`
	// AllowOrigins are origins of other sites whose pages may send events
	// ("https://shop.example.jp").
	AllowOrigins []string `yaml:"allow_origins"`
	// Timezone is where the dashboard's days begin.
	Timezone string `yaml:"timezone"`
	// RawRetention is how long raw events are kept; the daily and hourly
	// aggregates stay. Zero keeps them for ever.
	RawRetention time.Duration `yaml:"raw_retention"`
	// CountriesDB is a MaxMind-format (.mmdb) country database read from
	// disk; empty leaves countries unknown.
	CountriesDB string `yaml:"countries_db" path:"file"`
	// ReverseDNS looks up the domain name of visitors' networks, kept only
	// as an aggregate.
	ReverseDNS bool `yaml:"reverse_dns"`
	// QueueSize bounds the accepted events waiting to be written.
	QueueSize int `yaml:"queue_size"`
	// Database is the DSN of the database events are kept in with the
	// database backend. Empty means a file named after a SQLite database
	// beside it (noren-analytics.db beside noren.db), so that a flood of
	// events never waits on the lock that consent, contact and the audit
	// trail use, or Noren's own PostgreSQL database through a pool of its
	// own.
	Database string `yaml:"database" path:"dsn"`
	// RateLimit is how many events a second each client network (an IPv4
	// /24, an IPv6 /48) may send once its burst is spent; 0 means no limit.
	RateLimit int `yaml:"rate_limit"`
	// RateBurst is how many events a client network may send at once.
	RateBurst int `yaml:"rate_burst"`
}

// Vault configures the encrypted store of personal data.
type Vault struct {
	// KeyFile is the vault's key file. Keep it off the database's disk and
	// out of its backups: it is what makes them readable. Empty means the
	// keys come from the NOREN_VAULT_KEYS environment variable.
	KeyFile string `yaml:"key_file" path:"file"`
}

// Audit configures the signed anchors of the audit trail: its head signed
// with a key kept outside the database, written where the database's
// users cannot rewrite it, so that a trail rewritten with recomputed
// hashes is caught (noren audit verify --anchors).
type Audit struct {
	// AnchorKeyFile is the Ed25519 key that signs anchors (noren audit
	// anchor-key generate); mode 0600, kept out of the database's backups.
	// Empty turns anchoring off.
	AnchorKeyFile string `yaml:"anchor_key_file" path:"file"`
	// AnchorFile is the file each anchor is appended to as a JSON line;
	// keep it where those who can write to the database cannot rewrite it.
	AnchorFile string `yaml:"anchor_file" path:"file"`
	// AnchorMail also sends each anchor by e-mail to every active account
	// with the auditor role; it needs smtp.host.
	AnchorMail bool `yaml:"anchor_mail"`
	// AnchorInterval is how often the head is signed while serving; an
	// anchor is made only when the trail has grown since the last one.
	AnchorInterval time.Duration `yaml:"anchor_interval"`
}

// SMTP configures outgoing mail: notifications to staff, replies, and the
// links that confirm a data-subject request.
type SMTP struct {
	// Host is the mail server; empty means no mail is sent.
	Host string `yaml:"host"`
	// Port is the server's port; 0 means the usual one for TLS.
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// From is the sender's plain address.
	From string `yaml:"from"`
	// TLS is starttls, tls or none (none only for a server on loopback).
	TLS string `yaml:"tls"`
}

// Contact configures the contact forms the manifest declares.
type Contact struct {
	// Notify lists the staff addresses told of each new submission; the
	// notice holds no personal data, only a reference and a link.
	Notify []string `yaml:"notify"`
}

// Requests configures data-subject requests.
type Requests struct {
	// Deadline optionally caps the time to answer a verified request; the
	// manifest's requests.deadline sets it, and a longer value here does
	// not lengthen it. 0 leaves the manifest's.
	Deadline time.Duration `yaml:"deadline"`
}

// Search configures the site search.
type Search struct {
	// Enabled indexes the site and serves /{lang}/search and /api/search.
	Enabled bool `yaml:"enabled"`
	// Rescan is how often the site folder is checked for changed files
	// in static mode; only what changed is read again.
	Rescan time.Duration `yaml:"rescan"`
	// Recrawl is how often the upstream is crawled again in proxy mode.
	Recrawl time.Duration `yaml:"recrawl"`
	// MaxPages bounds the documents indexed, so a site that generates
	// endless pages cannot fill the disk.
	MaxPages int `yaml:"max_pages"`
	// CrawlConcurrency is how many requests the crawler has in flight to
	// the upstream at once.
	CrawlConcurrency int `yaml:"crawl_concurrency"`
	// CrawlDelay is the pause each crawler worker takes between requests.
	CrawlDelay time.Duration `yaml:"crawl_delay"`
	// InjectBox inserts a search form into the site's pages, once each: as
	// the first content of the first element marked data-noren-search-box,
	// else just before the end of the page's first <header>.
	InjectBox bool `yaml:"inject_box"`
	// Exclude are path patterns (* matches any characters) never indexed.
	Exclude []string `yaml:"exclude"`
}

// Scan configures the scheduled scans of the site itself: a headless
// browser visits its pages in each consent state and the result is judged
// against the manifest in force.
type Scan struct {
	// Enabled scans the site on the schedule, when a browser is installed.
	Enabled bool `yaml:"enabled"`
	// Interval is the time between two scheduled scans.
	Interval time.Duration `yaml:"interval"`
	// Pages bounds the pages a scan visits, and Depth how many links away
	// from the start page its crawl goes.
	Pages int `yaml:"pages"`
	Depth int `yaml:"depth"`
	// Browser is the Chromium to run; empty searches PATH.
	Browser string `yaml:"browser"`
	// CookieDB is a cookie database in the Open Cookie Database's CSV
	// format, read once at start, that classifies what the manifest does
	// not declare.
	CookieDB string `yaml:"cookie_db" path:"file"`
	// URL is where scans start; empty means the manifest's site.url.
	URL string `yaml:"url"`
	// HostResolverRules are extra Chromium --host-resolver-rules, for
	// tests and machines without a resolver; the site's own host always
	// maps to this server's listener.
	HostResolverRules string `yaml:"host_resolver_rules"`
}

// CSPReports configures /api/csp-report, where visitors' browsers report
// what the public pages' Content-Security-Policy blocked: hosts the
// manifest does not declare, counted by host, directive and page path.
type CSPReports struct {
	// Enabled serves the endpoint and adds the reporting directives to
	// the public pages' policy.
	Enabled bool `yaml:"enabled"`
	// RateLimit is how many reports a minute each client network (an
	// IPv4 /24, an IPv6 /48) may send once its burst of RateBurst is
	// spent; 0 means no limit.
	RateLimit int `yaml:"rate_limit"`
	RateBurst int `yaml:"rate_burst"`
	// Retention is how long the daily counts are kept.
	Retention time.Duration `yaml:"retention"`
}

// Log configures logging.
type Log struct {
	Level  slog.Level `yaml:"level"`
	Format string     `yaml:"format"`
	// AccessFile moves the access log out of the other logs into files
	// of its own, one a day ("access.log" writes access-2026-04-01.log
	// beside it), deleted once past the retention the manifest states for
	// the access log. Empty keeps the access log with the other logs.
	AccessFile string `yaml:"access_file" path:"file"`
}

// defaultDrainDelay gives load balancers that probe every few seconds time
// to see an instance that is stopping as unready.
const defaultDrainDelay = 5 * time.Second

// Default returns the built-in defaults. Keys whose default derives from
// others (database, tls.acme.cache_dir, site.mode) are left empty here and
// filled in by Load once every source has been read.
func Default() *Config {
	s := server.DefaultConfig()
	return &Config{
		Listen:         s.Listen,
		DataDir:        "./noren-data",
		MigrateOnStart: true,
		ManifestReload: 10 * time.Second,
		Site: Site{
			Languages:       []string{"ja", "en"},
			DefaultLanguage: "ja",
			Inject:          true,
			Footer:          FooterAuto,
			RedirectRoot:    true,
			LayoutMain:      "main",
		},
		TLS: TLS{
			HSTSMaxAge: int(s.Headers.HSTSMaxAge / time.Second),
		},
		HTTP: HTTP{
			ReadHeaderTimeout: s.ReadHeaderTimeout,
			ReadTimeout:       s.ReadTimeout,
			WriteTimeout:      s.WriteTimeout,
			IdleTimeout:       s.IdleTimeout,
			ShutdownTimeout:   s.ShutdownTimeout,
			DrainDelay:        defaultDrainDelay,
			ReadinessMailWait: time.Hour,
			MaxBodyBytes:      ByteSize(s.MaxBodyBytes),
			MaxHeaderBytes:    ByteSize(s.MaxHeaderBytes),
			FrameAncestors:    []string{"none"},
			CSP:               CSPEnforce,
			InlineCode:        InlineCodeAllow,
			MetricsAllow: []netip.Prefix{
				netip.MustParsePrefix("127.0.0.0/8"),
				netip.MustParsePrefix("::1/128"),
			},
		},
		Proxy: Proxy{
			DialTimeout:           10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
		},
		Admin: Admin{
			SessionIdle:      30 * time.Minute,
			SessionAbsolute:  12 * time.Hour,
			LockoutThreshold: 10,
			LockoutDuration:  15 * time.Minute,
			AddressFailures:  50,
			AddressWindow:    15 * time.Minute,
		},
		Analytics: Analytics{
			Enabled:      true,
			Backend:      "database",
			Timezone:     "Asia/Tokyo",
			RawRetention: 365 * 24 * time.Hour,
			QueueSize:    20_000,
			RateLimit:    50,
			RateBurst:    500,
		},
		Audit: Audit{AnchorInterval: time.Hour},
		Search: Search{
			Enabled:          true,
			Rescan:           time.Minute,
			Recrawl:          6 * time.Hour,
			MaxPages:         50_000,
			CrawlConcurrency: 2,
			CrawlDelay:       100 * time.Millisecond,
		},
		Scan: Scan{
			Enabled:  true,
			Interval: 24 * time.Hour,
			Pages:    50,
			Depth:    3,
		},
		CSPReports: CSPReports{
			Enabled:   true,
			RateLimit: 30,
			RateBurst: 60,
			Retention: 90 * 24 * time.Hour,
		},
		SMTP: SMTP{TLS: "starttls"},
		Log:  Log{Level: slog.LevelInfo, Format: "text"},
	}
}

// resolve fills in the keys whose defaults derive from other keys.
func (c *Config) resolve() {
	if c.Database == "" {
		c.Database = "sqlite:" + filepath.Join(c.DataDir, "noren.db")
	}
	if c.TLS.ACME.CacheDir == "" {
		c.TLS.ACME.CacheDir = filepath.Join(c.DataDir, "acme")
	}
	if c.Site.Mode == "" {
		c.Site.Mode = "static"
		if c.Site.Upstream != "" {
			c.Site.Mode = "proxy"
		}
	}
}

// derivedDefault describes the default of a key that resolve derives from
// other keys, for help texts and documentation.
func derivedDefault(path string) (string, bool) {
	switch path {
	case "database":
		return "sqlite:<data_dir>/noren.db", true
	case "tls.acme.cache_dir":
		return "<data_dir>/acme", true
	case "site.mode":
		return "static, or proxy when site.upstream is set", true
	}
	return "", false
}

// TLSEnabled reports whether the configuration turns HTTPS on.
func (c *Config) TLSEnabled() bool {
	return c.TLS.Cert != "" || c.TLS.Key != "" || len(c.TLS.ACME.Domains) > 0
}

// ServerConfig returns the settings for server.New.
func (c *Config) ServerConfig() server.Config {
	return server.Config{
		Listen: c.Listen,
		TLS: server.TLSConfig{
			CertFile: c.TLS.Cert,
			KeyFile:  c.TLS.Key,
			ACME: server.ACMEConfig{
				Domains:      c.TLS.ACME.Domains,
				Email:        c.TLS.ACME.Email,
				CacheDir:     c.TLS.ACME.CacheDir,
				DirectoryURL: c.TLS.ACME.DirectoryURL,
			},
			RedirectHTTP: c.TLS.RedirectHTTP,
		},
		ReadHeaderTimeout: c.HTTP.ReadHeaderTimeout,
		ReadTimeout:       c.HTTP.ReadTimeout,
		WriteTimeout:      c.HTTP.WriteTimeout,
		IdleTimeout:       c.HTTP.IdleTimeout,
		ShutdownTimeout:   c.HTTP.ShutdownTimeout,
		DrainDelay:        c.HTTP.DrainDelay,
		MaxBodyBytes:      int64(c.HTTP.MaxBodyBytes),
		MaxHeaderBytes:    int(c.HTTP.MaxHeaderBytes),
		TrustedProxies:    c.TrustedProxies,
		Headers: server.HeaderPolicy{
			FrameAncestors:        c.HTTP.FrameAncestors,
			CSPExtra:              c.HTTP.CSPExtra,
			CSPReportOnly:         c.HTTP.CSP == CSPReportOnly,
			PermissionsPolicy:     c.HTTP.PermissionsPolicy,
			HSTSMaxAge:            time.Duration(c.TLS.HSTSMaxAge) * time.Second,
			HSTSIncludeSubdomains: c.TLS.HSTSIncludeSubdomains,
		},
	}
}

// Logger returns a logger writing to w at the configured level and format.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	return c.logger(w, c.Log.Level)
}

// AccessLogger returns a logger for the access log's files of
// log.access_file, in the configured format: at the info level, whatever
// log.level holds back from the other logs, as the access log is there to
// be kept whole for its stated retention.
func (c *Config) AccessLogger(w io.Writer) *slog.Logger {
	return c.logger(w, slog.LevelInfo)
}

func (c *Config) logger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
