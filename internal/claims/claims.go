// Package claims checks what the privacy manifest says about the running
// system against the configuration that runs it: that traffic is
// encrypted, how long analytics events and access logs are kept, what
// the analytics records, whether the statistics are published, how soon
// requests are answered and who runs the site search. A claim the configuration contradicts is an
// error, and Noren refuses to serve with it; a claim the configuration
// cannot confirm is a warning.
package claims

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
)

// Severity tells a claim the configuration contradicts from one it cannot
// confirm.
type Severity string

// Severities of a Finding.
const (
	// Error is a claim the configuration makes false.
	Error Severity = "error"
	// Warning is a claim the configuration cannot confirm, or a setting
	// the manifest does not describe, that makes nothing false.
	Warning Severity = "warning"
)

// Finding is one claim of the manifest checked against the configuration.
type Finding struct {
	Severity Severity
	// Position is where the claim is written, as "file:line".
	Position string
	// Path is the claim's field in the manifest ("security.tls_min_version").
	Path    string
	Message string
}

// String formats f as "file:line: path: message", with "warning: " before
// the message of a warning, as noren check writes the manifest's own.
func (f Finding) String() string {
	if f.Severity == Warning {
		return fmt.Sprintf("%s: %s: warning: %s", f.Position, f.Path, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", f.Position, f.Path, f.Message)
}

// Findings are the findings of one check, in the order of the checks.
type Findings []Finding

// Errors returns the findings of severity Error.
func (fs Findings) Errors() Findings {
	return fs.of(Error)
}

// Warnings returns the findings of severity Warning.
func (fs Findings) Warnings() Findings {
	return fs.of(Warning)
}

func (fs Findings) of(s Severity) Findings {
	var out Findings
	for _, f := range fs {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// Error lists the findings one a line, so that the errors of a check can
// be returned as an error.
func (fs Findings) Error() string {
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}

// checker collects the findings about one manifest.
type checker struct {
	m   *manifest.Manifest
	cfg *config.Config
	out Findings
}

func (c *checker) add(s Severity, path, format string, args ...any) {
	c.out = append(c.out, Finding{Severity: s, Position: c.m.Position(path), Path: path, Message: fmt.Sprintf(format, args...)})
}

// Check checks every claim of m that cfg can make false.
func Check(m *manifest.Manifest, cfg *config.Config) Findings {
	c := &checker{m: m, cfg: cfg}
	c.tls()
	c.analytics()
	c.statistics()
	c.accessLog()
	c.requests()
	c.search()
	return c.out
}

// CheckReload checks next, a changed manifest about to replace running, as
// Check does, and also that it keeps the TLS minimum the server was
// started with: the server's minimum changes only at a restart.
func CheckReload(running, next *manifest.Manifest, cfg *config.Config) Findings {
	out := Check(next, cfg)
	was, now := running.Security.TLSMinVersion, next.Security.TLSMinVersion
	if cfg.TLSEnabled() && was != now {
		path := "security.tls_min_version"
		out = append(out, Finding{Severity: Error, Position: next.Position(path), Path: path,
			Message: fmt.Sprintf("changed from %s to %s, but the server keeps the minimum it started with: restart Noren to apply it", was, now)})
	}
	return out
}

// serveTLS is the advice for a configuration that serves plain HTTP.
const serveTLS = "serve TLS (tls.cert and tls.key, or tls.acme.domains), or set tls.offloaded when a proxy in front of Noren terminates TLS"

func (c *checker) tls() {
	const minPath, exceptionPath = "security.tls_min_version", "security.tls_exception"
	sec := c.m.Security
	served, offloaded, exception := c.cfg.TLSEnabled(), c.cfg.TLS.Offloaded, len(sec.TLSException) > 0
	switch {
	case served || offloaded:
		if exception {
			c.add(Warning, exceptionPath, "states that the site is reached without TLS, but the configuration serves it over TLS: remove the exception")
		}
	case !exception:
		c.add(Error, minPath, "the policy says traffic is encrypted with TLS %s or later, but Noren serves plain HTTP on %s: %s; "+
			"a demonstration on loopback states security.tls_exception instead", sec.TLSMinVersion, c.cfg.Listen, serveTLS)
	case loopbackOnly(c.cfg.Listen):
		c.add(Warning, exceptionPath, "in force: Noren serves plain HTTP on %s, a loopback address, as the exception states", c.cfg.Listen)
	default:
		c.add(Error, exceptionPath, "allows plain HTTP on loopback only, but Noren serves plain HTTP on %s: %s, or listen on 127.0.0.1", c.cfg.Listen, serveTLS)
	}
	if offloaded {
		c.add(Warning, minPath, "tls.offloaded: the proxy in front of Noren terminates TLS, and which versions it accepts cannot be checked from here; "+
			"make sure it refuses versions older than TLS %s", sec.TLSMinVersion)
	}
}

// loopbackOnly reports whether the listen address addr is reached from
// the same computer only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// analyticsRuns reports whether Noren's analytics runs with cfg: it is on
// and has a site to count, as serving starts it.
func analyticsRuns(m *manifest.Manifest, cfg *config.Config) bool {
	return cfg.Analytics.Enabled && (cfg.Site.Domain != "" || m.Site.Domain != "" || len(cfg.Analytics.Sites) > 0)
}

// itemsOf returns the indexes of the automatic_collection items that tool
// collects.
func itemsOf(m *manifest.Manifest, tool string) []int {
	var out []int
	for i, item := range m.AutomaticCollection {
		if item.Tool == tool {
			out = append(out, i)
		}
	}
	return out
}

func itemPath(i int) string {
	return "automatic_collection[" + strconv.Itoa(i) + "]"
}

func (c *checker) analytics() {
	tool, runs := analytics.Tool(c.m), analyticsRuns(c.m, c.cfg)
	switch {
	case tool == nil && runs:
		c.add(Warning, "tools", "analytics.enabled is on, but the manifest declares no first-party tool of kind analytics, so Noren's collector keeps nothing: "+
			"declare it, or turn analytics.enabled off")
		return
	case tool == nil:
		return
	}
	path := toolPath(slices.IndexFunc(c.m.Tools, func(t manifest.Tool) bool { return t.ID == tool.ID }))
	if !runs {
		c.add(Warning, path, "declares Noren's analytics, but the configuration does not run it (analytics.enabled is off, or no site.domain is set): "+
			"the policy describes collection that does not happen")
		return
	}
	items := itemsOf(c.m, tool.ID)
	if len(items) == 0 {
		c.add(Warning, path, "no automatic_collection item with tool: %s states what Noren's analytics records and how long it keeps it", tool.ID)
		return
	}
	keep := c.cfg.Analytics.RawRetention
	var includes []string
	for _, i := range items {
		item := c.m.AutomaticCollection[i]
		path := itemPath(i) + ".retention"
		switch {
		case keep == 0:
			c.add(Error, path, "states that analytics events are kept for %s, but analytics.raw_retention is 0, which keeps them for ever: set it to %s or less",
				item.Retention, item.Retention)
		case keep > shortest(item.Retention):
			c.add(Error, path, "states that analytics events are kept for %s, but analytics.raw_retention keeps them for %s: set it to %s or less, or state the longer retention",
				item.Retention, formatDuration(keep), item.Retention)
		}
		includes = append(includes, item.Includes...)
	}
	c.enrichment(items, includes, manifest.IncludesNetworkName, c.cfg.Analytics.ReverseDNS, "analytics.reverse_dns", "the domain names of visitors' networks")
	c.enrichment(items, includes, manifest.IncludesCountry, c.cfg.Analytics.CountriesDB != "", "analytics.countries_db", "visitors' countries")
}

// enrichment checks that what a setting adds to the analytics (what) is
// declared by the includes of the analytics items when the setting is on,
// and only then.
func (c *checker) enrichment(items []int, includes []string, value string, on bool, key, what string) {
	declared := slices.Contains(includes, value)
	switch {
	case on && !declared:
		c.add(Error, itemPath(items[0])+".includes", "%s is on and records %s, which the item does not declare: add %s to its includes and say so in what, or turn %s off",
			key, what, value, key)
	case !on && declared:
		for _, i := range items {
			if slices.Contains(c.m.AutomaticCollection[i].Includes, value) {
				c.add(Warning, itemPath(i)+".includes", "declares %s (%s), but %s is off, so Noren does not record them", value, what, key)
			}
		}
	}
}

func (c *checker) statistics() {
	// With publish off the page answers as the site does (not found), so
	// only a published page can be missing.
	if c.m.Statistics.Publish && !analyticsRuns(c.m, c.cfg) {
		c.add(Error, "statistics.publish", "the policy says the statistics are published, but the configuration does not run Noren's analytics "+
			"(analytics.enabled is off, or no site.domain is set), so the statistics page is not served: turn analytics on, or set publish to false")
	}
}

// AccessLogItem is the automatic_collection item that describes Noren's
// access log, the item of a first-party tool of kind hosting, or nil.
func AccessLogItem(m *manifest.Manifest) *manifest.AutomaticItem {
	if i := accessLogIndex(m); i >= 0 {
		return &m.AutomaticCollection[i]
	}
	return nil
}

func accessLogIndex(m *manifest.Manifest) int {
	return slices.IndexFunc(m.AutomaticCollection, func(item manifest.AutomaticItem) bool {
		t := m.Tool(item.Tool)
		return t != nil && t.Kind == manifest.KindHosting && t.Party == "first"
	})
}

func (c *checker) accessLog() {
	i, file := accessLogIndex(c.m), c.cfg.Log.AccessFile
	switch {
	case i < 0 && file != "":
		c.add(Error, "automatic_collection", "log.access_file writes an access log that the manifest does not declare: "+
			"add an automatic_collection item of a first-party tool of kind hosting that states what it records and how long it is kept")
	case i < 0:
		// No access log is declared, and none is written to a file.
	case file == "":
		c.add(Warning, itemPath(i)+".retention", "states a retention of %s for the access log, but Noren writes its access log to standard error with its other logs "+
			"and does not enforce it: set log.access_file to have Noren keep the log in daily files and delete them after %s", c.m.AutomaticCollection[i].Retention, c.m.AutomaticCollection[i].Retention)
	case shortest(c.m.AutomaticCollection[i].Retention) < 24*time.Hour:
		c.add(Error, itemPath(i)+".retention", "states a retention of %s, but log.access_file keeps a file a day, which is kept whole for a day: state at least 1d",
			c.m.AutomaticCollection[i].Retention)
	}
}

func (c *checker) requests() {
	d, promised := c.cfg.Requests.Deadline, c.m.Requests.Deadline
	if d > 0 && d > shortest(promised) {
		c.add(Error, "requests.deadline", "the policy says requests are answered within %s, but requests.deadline in the configuration allows %s: "+
			"set it to %s or less, or leave it to the manifest", promised, formatDuration(d), promised)
	}
}

// search checks that the policy describes the site search Noren serves as
// the operator's own, and no longer describes a third party's beside it.
// Both are warnings: the policy says nothing false about the words typed
// into Noren's search, it only leaves them out or names one search too many.
func (c *checker) search() {
	own := slices.IndexFunc(c.m.Tools, func(t manifest.Tool) bool { return t.Kind == manifest.KindSearch && t.Party == "first" })
	switch {
	case c.cfg.Search.Enabled && own < 0:
		c.add(Warning, "tools", "search.enabled is on and Noren serves the site search, but the manifest declares no first-party tool of kind search, "+
			"so the policy does not say that the search terms stay with the operator: add \"- use: noren-search\" under tools, or turn search.enabled off")
	case !c.cfg.Search.Enabled && own >= 0:
		c.add(Warning, toolPath(own), "declares Noren's site search, but search.enabled is off: the policy describes a search the site does not offer")
	}
	if !c.cfg.Search.Enabled {
		return
	}
	for i, t := range c.m.Tools {
		if t.Kind == manifest.KindSearch && t.Party == "third" {
			c.add(Warning, toolPath(i), "declares %s, a third party's search, while Noren serves the site's own: the policy tells visitors that their search terms go to %s; "+
				"once the pages no longer carry its search box, remove the tool", t.ID, t.Recipient.In("en"))
		}
	}
}

func toolPath(i int) string {
	return "tools[" + strconv.Itoa(i) + "]"
}

// shortest is the shortest time d can last. Months and years are calendar
// units, so it is taken over the starts of a four-year cycle: a month
// from the 1st of February, a year without a 29th of February.
func shortest(d manifest.Duration) time.Duration {
	if d.Session || d.N == 0 {
		return 0
	}
	start := time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC)
	if d.Unit != "mo" && d.Unit != "y" {
		return d.From(start).Sub(start)
	}
	least := d.From(start).Sub(start)
	for t := start; t.Year() < 2005; t = t.AddDate(0, 0, 1) {
		least = min(least, d.From(t).Sub(t))
	}
	return least
}

// formatDuration writes a configured duration without the zero units
// time.Duration.String keeps, with the days it makes when it is whole days.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if day := 24 * time.Hour; d%day == 0 {
		return fmt.Sprintf("%s (%d days)", s, d/day)
	}
	return s
}
