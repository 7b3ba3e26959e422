package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/server"
)

// Problems is everything wrong with a configuration, one problem an entry,
// each naming the key (and, for the file, the line) it concerns.
type Problems []string

// Error lists the problems, one a line after a count when there are several.
func (p Problems) Error() string {
	if len(p) == 1 {
		return "config: " + p[0]
	}
	return fmt.Sprintf("config: %d problems:\n\t%s", len(p), strings.Join(p, "\n\t"))
}

// err returns p as an error, or nil when there are no problems.
func (p Problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

// problems collects Problems during validation.
type problems struct{ list Problems }

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, key+": "+fmt.Sprintf(format, args...))
}

// Validate reports every bad value in c as Problems. It does not require
// the keys only serving needs; see ValidateServe.
func (c *Config) Validate() error {
	var p problems
	c.validate(&p)
	return p.list.err()
}

// ValidateServe reports what Validate reports, plus the keys that serving
// a site requires: the manifest, and the site root or upstream for the
// mode.
func (c *Config) ValidateServe() error {
	var p problems
	c.validate(&p)
	if c.Manifest == "" {
		p.add("manifest", "required: the path of the privacy manifest")
	}
	switch c.Site.Mode {
	case "static":
		if c.Site.Root == "" {
			p.add("site.root", "required in static mode: the folder to serve")
		}
	case "proxy":
		if c.Site.Upstream == "" {
			p.add("site.upstream", "required in proxy mode: the URL to pass requests to")
		}
	}
	return p.list.err()
}

func (c *Config) validate(p *problems) {
	checkAddr(p, "listen", c.Listen, true)
	if c.DataDir == "" {
		p.add("data_dir", "must not be empty")
	}
	checkDatabase(p, "database", c.Database)
	if c.ManifestReload < 0 {
		p.add("manifest_reload", "must not be negative (0 turns reloading off)")
	}

	c.Site.validate(p)
	c.TLS.validate(p, c.TLSEnabled())
	c.HTTP.validate(p)

	checkPositive(p, "proxy.dial_timeout", c.Proxy.DialTimeout)
	checkPositive(p, "proxy.response_header_timeout", c.Proxy.ResponseHeaderTimeout)
	checkPositive(p, "proxy.idle_conn_timeout", c.Proxy.IdleConnTimeout)
	c.Admin.validate(p)
	c.Analytics.validate(p)
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		p.add("smtp.tls", "%q: want starttls, tls or none", c.SMTP.TLS)
	}
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		p.add("smtp.port", "%d: want 0 (the usual port) to 65535", c.SMTP.Port)
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		p.add("smtp.from", "required with smtp.host: the sender's address")
	}
	for _, a := range c.Contact.Notify {
		if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "<> ") {
			p.add("contact.notify", "%q: want a plain e-mail address", a)
		}
	}
	c.Audit.validate(p, c.SMTP.Host != "")
	if c.Requests.Deadline != 0 && c.Requests.Deadline < 24*time.Hour {
		p.add("requests.deadline", "%s: want 0 (the manifest's) or at least 24h", c.Requests.Deadline)
	}
	c.Search.validate(p)
	c.Scan.validate(p)
	c.CSPReports.validate(p)

	if c.Log.Format != "text" && c.Log.Format != "json" {
		p.add("log.format", "%q: want text or json", c.Log.Format)
	}
	if f := c.Log.AccessFile; f != "" {
		base := filepath.Base(f)
		if strings.HasSuffix(f, "/") || strings.TrimSuffix(base, filepath.Ext(base)) == "" {
			p.add("log.access_file", "%q: want a file name, such as logs/access.log", f)
		}
	}
}

func (s *Search) validate(p *problems) {
	if !s.Enabled {
		return
	}
	if s.Rescan < time.Second {
		p.add("search.rescan", "%s: want at least 1s", s.Rescan)
	}
	if s.Recrawl < time.Minute {
		p.add("search.recrawl", "%s: want at least 1m", s.Recrawl)
	}
	if s.MaxPages < 1 {
		p.add("search.max_pages", "%d: want at least 1", s.MaxPages)
	}
	if s.CrawlConcurrency < 1 || s.CrawlConcurrency > 16 {
		p.add("search.crawl_concurrency", "%d: want 1 to 16", s.CrawlConcurrency)
	}
	if s.CrawlDelay < 0 {
		p.add("search.crawl_delay", "%s: want 0 or more", s.CrawlDelay)
	}
	for _, e := range s.Exclude {
		if !strings.HasPrefix(e, "/") {
			p.add("search.exclude", "%q: want a path pattern starting with /", e)
		}
	}
}

// minScanInterval is the shortest time between two scheduled scans: each
// drives a browser through every page four times, real work for the
// server.
const minScanInterval = 10 * time.Minute

func (c *CSPReports) validate(p *problems) {
	if c.RateLimit < 0 {
		p.add("csp_reports.rate_limit", "%d: want 0 (no limit) or reports a minute", c.RateLimit)
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		p.add("csp_reports.rate_burst", "%d: want at least 1 with a rate limit", c.RateBurst)
	}
	// The console shows the last 30 days; a shorter retention would
	// show less than it says.
	if c.Retention < 30*24*time.Hour {
		p.add("csp_reports.retention", "%s: want at least 720h (30 days)", c.Retention)
	}
}

func (s *Scan) validate(p *problems) {
	if !s.Enabled {
		return
	}
	if s.Interval < minScanInterval {
		p.add("scan.interval", "%s: want at least %s", s.Interval, minScanInterval)
	}
	if s.Pages < 1 || s.Pages > 10_000 {
		p.add("scan.pages", "%d: want 1 to 10000", s.Pages)
	}
	if s.Depth < 0 || s.Depth > 100 {
		p.add("scan.depth", "%d: want 0 to 100", s.Depth)
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("scan.url", "%q: want an absolute http or https URL", s.URL)
		}
	}
}

func (a *Audit) validate(p *problems, mail bool) {
	if a.AnchorInterval < time.Minute {
		p.add("audit.anchor_interval", "%s: want at least 1m", a.AnchorInterval)
	}
	if a.AnchorKeyFile == "" {
		if a.AnchorFile != "" || a.AnchorMail {
			p.add("audit.anchor_key_file", "required with audit.anchor_file or audit.anchor_mail: the key that signs the anchors")
		}
		return
	}
	if a.AnchorFile == "" && !a.AnchorMail {
		p.add("audit.anchor_file", "required with audit.anchor_key_file unless audit.anchor_mail is on: anchors must go somewhere")
	}
	if a.AnchorMail && !mail {
		p.add("audit.anchor_mail", "needs smtp.host to send the anchors")
	}
	if a.AnchorFile != "" && filepath.Clean(a.AnchorFile) == filepath.Clean(a.AnchorKeyFile) {
		p.add("audit.anchor_file", "is the key file; anchors go to a file of their own")
	}
}

func (a *Admin) validate(p *problems) {
	checkPositive(p, "admin.session_idle", a.SessionIdle)
	checkPositive(p, "admin.session_absolute", a.SessionAbsolute)
	if a.SessionIdle > a.SessionAbsolute {
		p.add("admin.session_idle", "%s is longer than admin.session_absolute (%s)", a.SessionIdle, a.SessionAbsolute)
	}
	if a.LockoutThreshold < 1 {
		p.add("admin.lockout_threshold", "must be at least 1")
	}
	checkPositive(p, "admin.lockout_duration", a.LockoutDuration)
	if a.AddressFailures < 1 {
		p.add("admin.address_failures", "must be at least 1")
	}
	checkPositive(p, "admin.address_window", a.AddressWindow)
	if strings.ContainsAny(a.WebAuthnRPID, ":/ ") {
		p.add("admin.webauthn_rp_id", "%q: want a bare host name such as www.example.jp", a.WebAuthnRPID)
	}
	for _, o := range a.WebAuthnOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			p.add("admin.webauthn_origins", "%q: want an origin such as https://www.example.jp", o)
		}
	}
}

// validateCluster checks the ClickHouse cluster's name and shards: both
// or neither.
func (a *Analytics) validateCluster(p *problems) {
	if a.ClickHouseCluster == "" {
		if len(a.ClickHouseShards) > 0 {
			p.add("analytics.clickhouse_shards", "set without analytics.clickhouse_cluster, the cluster they are the shards of")
		}
		return
	}
	if !clusterName.MatchString(a.ClickHouseCluster) {
		p.add("analytics.clickhouse_cluster", "%q: want the cluster's name in remote_servers, of letters, digits and _", a.ClickHouseCluster)
	}
	if len(a.ClickHouseShards) == 0 {
		p.add("analytics.clickhouse_shards", "empty: want the URL of one server of each shard of cluster %s", a.ClickHouseCluster)
	}
	for _, shard := range a.ClickHouseShards {
		if u, err := url.Parse(shard); err != nil || u.Scheme != "clickhouse" || u.Host == "" {
			p.add("analytics.clickhouse_shards", "%q: want a URL such as clickhouse://10.0.0.6:9000/noren", shard)
		}
	}
}

// clusterName is what ClickHouse cluster names Noren takes may be.
var clusterName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (a *Analytics) validate(p *problems) {
	switch a.Backend {
	case "database":
	case "clickhouse":
		if u, err := url.Parse(a.ClickHouseURL); err != nil || u.Scheme != "clickhouse" || u.Host == "" {
			p.add("analytics.clickhouse_url", "%q: want a URL such as clickhouse://127.0.0.1:9000/noren", a.ClickHouseURL)
		}
		a.validateCluster(p)
	default:
		p.add("analytics.backend", "%q: want database or clickhouse", a.Backend)
	}
	if _, err := time.LoadLocation(a.Timezone); err != nil || a.Timezone == "" {
		p.add("analytics.timezone", "%q: want a time zone name such as Asia/Tokyo", a.Timezone)
	}
	if a.RawRetention < 0 || (a.RawRetention > 0 && a.RawRetention < 48*time.Hour) {
		p.add("analytics.raw_retention", "%s: want 0 (keep) or at least 48h, so that a day's visits can still be counted", a.RawRetention)
	}
	if a.QueueSize < 1 {
		p.add("analytics.queue_size", "must be at least 1")
	}
	if a.Database != "" {
		checkDatabase(p, "analytics.database", a.Database)
	}
	if a.RateLimit < 0 {
		p.add("analytics.rate_limit", "%d: want 0 (no limit) or events a second", a.RateLimit)
	}
	if a.RateLimit > 0 && a.RateBurst < 1 {
		p.add("analytics.rate_burst", "%d: want at least 1 with a rate limit", a.RateBurst)
	}
	for _, o := range a.AllowOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			p.add("analytics.allow_origins", "%q: want an origin such as https://shop.example.jp", o)
		}
	}
	for _, s := range a.Sites {
		if s == "" || strings.ContainsAny(s, ":/ ") {
			p.add("analytics.sites", "%q: want a bare domain such as shop.example.jp", s)
		}
	}
}

func (s *Site) validate(p *problems) {
	switch s.Mode {
	case "", "static", "proxy":
	default:
		p.add("site.mode", "%q: want static or proxy", s.Mode)
	}
	if s.Upstream != "" {
		u, err := url.Parse(s.Upstream)
		switch {
		case !strings.Contains(s.Upstream, "://"):
			p.add("site.upstream", "%q: want an http:// or https:// URL, such as http://%s", s.Upstream, s.Upstream)
		case err != nil:
			p.add("site.upstream", "%q is not a URL: %v", s.Upstream, err)
		case u.Scheme != "http" && u.Scheme != "https":
			p.add("site.upstream", "%q: want an http:// or https:// URL", s.Upstream)
		case u.Hostname() == "":
			p.add("site.upstream", "%q: no host", s.Upstream)
		case !validPort(u.Port()):
			p.add("site.upstream", "%q: the port must be 1 to 65535", s.Upstream)
		case u.Fragment != "" || u.RawQuery != "" || u.ForceQuery:
			p.add("site.upstream", "%q: a query or fragment has no meaning here", s.Upstream)
		}
	}
	if s.Domain != "" && !isHostname(s.Domain) {
		p.add("site.domain", "%q: want a host name such as www.example.jp, without scheme or port", s.Domain)
	}
	if len(s.Languages) == 0 {
		p.add("site.languages", "at least one language is required")
	}
	for i, lang := range s.Languages {
		if lang != "ja" && lang != "en" {
			p.add("site.languages", "%q: supported languages are ja and en", lang)
		} else if slices.Index(s.Languages, lang) < i {
			p.add("site.languages", "%q is listed twice", lang)
		}
	}
	if !slices.Contains(s.Languages, s.DefaultLanguage) {
		p.add("site.default_language", "%q: must be one of site.languages (%s)", s.DefaultLanguage, strings.Join(s.Languages, ", "))
	}
	if s.Footer != FooterAuto && s.Footer != FooterOff {
		p.add("site.footer", "%q: want auto or off", s.Footer)
	}
	if err := page.CheckLayoutPage(s.LayoutPage); err != nil {
		p.add("site.layout_page", "%q: want a path on the site starting with /, such as /{lang}/about/", s.LayoutPage)
	}
	if err := page.CheckLayoutMain(s.LayoutMain); err != nil {
		p.add("site.layout_main", "%v", err)
	}
}

func (t *TLS) validate(p *problems, enabled bool) {
	if (t.Cert == "") != (t.Key == "") {
		key := "tls.key"
		if t.Cert == "" {
			key = "tls.cert"
		}
		p.add(key, "tls.cert and tls.key must be given together")
	}
	if t.Cert != "" && len(t.ACME.Domains) > 0 {
		p.add("tls.acme.domains", "certificate files (tls.cert, tls.key) and ACME are exclusive: choose one")
	}
	for i, d := range t.ACME.Domains {
		switch {
		case strings.HasPrefix(d, "*."):
			p.add("tls.acme.domains", "%q: wildcard certificates cannot be obtained this way", d)
		case !isHostname(d):
			p.add("tls.acme.domains", "%q: not a host name", d)
		case slices.Index(t.ACME.Domains, d) < i:
			p.add("tls.acme.domains", "%q is listed twice", d)
		}
	}
	if t.ACME.Email != "" {
		if a, err := mail.ParseAddress(t.ACME.Email); err != nil || a.Address != t.ACME.Email {
			p.add("tls.acme.email", "%q: want a plain e-mail address", t.ACME.Email)
		}
	}
	if t.ACME.DirectoryURL != "" {
		if u, err := url.Parse(t.ACME.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" {
			p.add("tls.acme.directory_url", "%q: want an https:// URL", t.ACME.DirectoryURL)
		}
	}
	if t.RedirectHTTP != "" {
		checkAddr(p, "tls.redirect_http", t.RedirectHTTP, false)
		if !enabled {
			p.add("tls.redirect_http", "needs TLS (tls.cert and tls.key, or tls.acme.domains)")
		}
	}
	if t.HSTSMaxAge < 0 {
		p.add("tls.hsts_max_age", "must not be negative")
	}
}

// maxHeaderLimit keeps http.max_header_bytes to a size a server should ever
// buffer per request.
const maxHeaderLimit = 16 << 20

func (h *HTTP) validate(p *problems) {
	checkPositive(p, "http.read_header_timeout", h.ReadHeaderTimeout)
	checkNotNegative(p, "http.read_timeout", h.ReadTimeout)
	checkNotNegative(p, "http.write_timeout", h.WriteTimeout)
	checkNotNegative(p, "http.idle_timeout", h.IdleTimeout)
	checkPositive(p, "http.shutdown_timeout", h.ShutdownTimeout)
	checkNotNegative(p, "http.drain_delay", h.DrainDelay)
	checkNotNegative(p, "http.readiness_mail_wait", h.ReadinessMailWait)
	if h.MaxBodyBytes <= 0 {
		p.add("http.max_body_bytes", "must be positive")
	}
	if h.MaxHeaderBytes <= 0 || h.MaxHeaderBytes > maxHeaderLimit {
		p.add("http.max_header_bytes", "must be between 1 and %s", ByteSize(maxHeaderLimit))
	}
	if len(h.FrameAncestors) == 0 {
		p.add("http.frame_ancestors", "must not be empty: write [none] to forbid framing")
	}
	addLines(p, "http.frame_ancestors", server.CheckFrameAncestors(h.FrameAncestors))
	addLines(p, "http.csp_extra", server.CheckCSPExtra(h.CSPExtra))
	if h.CSP != CSPEnforce && h.CSP != CSPReportOnly {
		p.add("http.csp", "want %q or %q, got %q", CSPEnforce, CSPReportOnly, h.CSP)
	}
	if h.InlineCode != InlineCodeAllow && h.InlineCode != InlineCodeBlock {
		p.add("http.inline_code", "want %q or %q, got %q", InlineCodeAllow, InlineCodeBlock, h.InlineCode)
	}
	if h.PermissionsPolicy != "" {
		addLines(p, "http.permissions_policy", server.CheckPermissionsPolicy(h.PermissionsPolicy))
	}
}

// addLines adds each line of a joined error as its own problem.
func addLines(p *problems, key string, err error) {
	if err == nil {
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		p.add(key, "%s", line)
	}
}

func checkPositive(p *problems, key string, d time.Duration) {
	if d <= 0 {
		p.add(key, "must be positive")
	}
}

func checkNotNegative(p *problems, key string, d time.Duration) {
	if d < 0 {
		p.add(key, "must not be negative (0 means no limit)")
	}
}

// checkAddr checks a listen address of the form host:port, where host may
// be empty for every interface.
func checkAddr(p *problems, key, addr string, required bool) {
	if addr == "" {
		if required {
			p.add(key, "must not be empty")
		}
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		p.add(key, "%q: want host:port, such as 127.0.0.1:8080 or :443", addr)
		return
	}
	if host != "" && !isHostname(host) && !isIP(host) {
		p.add(key, "%q: bad host %q", addr, host)
	}
}

// checkDatabase checks the form of the DSN only; the store reads its
// options. A DSN may hold a password, so only its scheme is ever echoed.
// Empty stands for the default, which Load fills in.
func checkDatabase(p *problems, key, dsn string) {
	switch {
	case dsn == "":
	case strings.HasPrefix(dsn, "sqlite:"):
		if path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite:"), "?"); path == "" {
			p.add(key, "sqlite: names no file")
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			p.add(key, "the postgres:// URL does not parse")
		}
	default:
		switch filepath.Ext(strings.SplitN(dsn, "?", 2)[0]) {
		case ".db", ".sqlite", ".sqlite3":
			return
		}
		scheme, _, _ := strings.Cut(dsn, ":")
		if len(scheme) > 16 {
			scheme = scheme[:16]
		}
		p.add(key, "want sqlite:PATH or a postgres:// URL (got one starting %q)", scheme)
	}
}

func isIP(s string) bool {
	return net.ParseIP(s) != nil
}

// isHostname accepts a DNS name made of letters, digits and hyphens.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// validPort accepts an empty port (the scheme's own) or 1 to 65535.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}
