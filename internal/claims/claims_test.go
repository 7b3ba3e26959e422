package claims

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// demoManifest is the bundled demo's manifest: a local government's site
// whose Noren analytics (tools[1], automatic_collection[1]) keeps events
// 365 days, whose access log (automatic_collection[0]) is kept 90 days,
// whose site search is Noren's (tools[2]), and which states plain HTTP on
// loopback as its exception.
func demoManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("manifest.yaml", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// demoConfig is a configuration the demo manifest holds true of: plain
// HTTP on loopback, analytics on with the default retention of 365 days,
// the access log in files.
func demoConfig() *config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:8080"
	cfg.Site.Domain = "demo.localhost"
	cfg.Log.AccessFile = "logs/access.log"
	return cfg
}

// catalogTool is the catalogue's tool of the service id, as `use: id`
// would declare it.
func catalogTool(t *testing.T, id string) manifest.Tool {
	t.Helper()
	s, ok := manifest.CatalogService(id)
	if !ok {
		t.Fatalf("no catalogue service %q", id)
	}
	return s.Tool
}

func day(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func duration(t *testing.T, s string) manifest.Duration {
	t.Helper()
	d, err := manifest.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// summary writes findings as "severity path" for comparison.
func summary(fs Findings) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Path)
	}
	return out
}

const exceptionInForce = "warning security.tls_exception"

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		manifest func(t *testing.T, m *manifest.Manifest)
		config   func(c *config.Config)
		want     []string
		message  string // a part of the last finding's message
	}{
		{name: "the demo holds", want: []string{exceptionInForce}, message: "in force: Noren serves plain HTTP on 127.0.0.1:8080"},

		// TLS
		{
			name:     "plain HTTP claimed as TLS",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Security.TLSException = nil },
			want:     []string{"error security.tls_min_version"},
			message:  "the policy says traffic is encrypted with TLS 1.2 or later, but Noren serves plain HTTP on 127.0.0.1:8080",
		},
		{
			name:    "the exception beyond loopback",
			config:  func(c *config.Config) { c.Listen = ":8080" },
			want:    []string{"error security.tls_exception"},
			message: "allows plain HTTP on loopback only, but Noren serves plain HTTP on :8080",
		},
		{name: "localhost is loopback", config: func(c *config.Config) { c.Listen = "localhost:8080" }, want: []string{exceptionInForce}},
		{name: "IPv6 loopback", config: func(c *config.Config) { c.Listen = "[::1]:8080" }, want: []string{exceptionInForce}},
		{
			name:    "an exception TLS makes false",
			config:  func(c *config.Config) { c.TLS.Cert, c.TLS.Key = "cert.pem", "key.pem" },
			want:    []string{"warning security.tls_exception"},
			message: "remove the exception",
		},
		{
			name:     "TLS served",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Security.TLSException = nil },
			config:   func(c *config.Config) { c.Listen, c.TLS.ACME.Domains = ":443", []string{"www.example.jp"} },
		},
		{
			name:     "TLS offloaded to a proxy",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Security.TLSException = nil },
			config:   func(c *config.Config) { c.TLS.Offloaded = true },
			want:     []string{"warning security.tls_min_version"},
			message:  "make sure it refuses versions older than TLS 1.2",
		},

		// Analytics retention
		{
			name:    "analytics events kept for ever",
			config:  func(c *config.Config) { c.Analytics.RawRetention = 0 },
			want:    []string{exceptionInForce, "error automatic_collection[1].retention"},
			message: "analytics.raw_retention is 0, which keeps them for ever",
		},
		{
			name:    "analytics events kept longer than stated",
			config:  func(c *config.Config) { c.Analytics.RawRetention = day(400) },
			want:    []string{exceptionInForce, "error automatic_collection[1].retention"},
			message: "analytics.raw_retention keeps them for 9600h (400 days): set it to 365d or less",
		},
		{name: "analytics events kept shorter than stated", config: func(c *config.Config) { c.Analytics.RawRetention = day(30) }, want: []string{exceptionInForce}},
		{
			name:     "a year of months is 365 days at the shortest",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[1].Retention = duration(t, "12mo") },
			config:   func(c *config.Config) { c.Analytics.RawRetention = day(366) },
			want:     []string{exceptionInForce, "error automatic_collection[1].retention"},
		},
		{
			name:   "analytics declared but off",
			config: func(c *config.Config) { c.Analytics.Enabled = false },
			want:   []string{exceptionInForce, "warning tools[1]", "error statistics.publish"},
		},
		{
			name:     "analytics on but undeclared",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Tools = slices.Delete(m.Tools, 1, 2) },
			want:     []string{exceptionInForce, "warning tools"},
		},
		{
			name: "analytics without a stated retention",
			manifest: func(t *testing.T, m *manifest.Manifest) {
				m.AutomaticCollection = m.AutomaticCollection[:1]
			},
			want: []string{exceptionInForce, "warning tools[1]"},
		},

		// What the analytics records
		{
			name:    "reverse DNS undeclared",
			config:  func(c *config.Config) { c.Analytics.ReverseDNS = true },
			want:    []string{exceptionInForce, "error automatic_collection[1].includes"},
			message: "analytics.reverse_dns is on and records the domain names of visitors' networks",
		},
		{
			name:     "reverse DNS declared",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[1].Includes = []string{"network_name"} },
			config:   func(c *config.Config) { c.Analytics.ReverseDNS = true },
			want:     []string{exceptionInForce},
		},
		{
			name:     "reverse DNS declared but off",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[1].Includes = []string{"network_name"} },
			want:     []string{exceptionInForce, "warning automatic_collection[1].includes"},
		},
		{
			name:   "countries undeclared",
			config: func(c *config.Config) { c.Analytics.CountriesDB = "countries.mmdb" },
			want:   []string{exceptionInForce, "error automatic_collection[1].includes"},
		},
		{
			name:     "countries declared",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[1].Includes = []string{"country"} },
			config:   func(c *config.Config) { c.Analytics.CountriesDB = "countries.mmdb" },
			want:     []string{exceptionInForce},
		},
		{
			name:     "countries declared but off",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[1].Includes = []string{"country"} },
			want:     []string{exceptionInForce, "warning automatic_collection[1].includes"},
		},

		// The statistics page
		{
			name:     "published statistics without a site to count",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Site.Domain = "" },
			config:   func(c *config.Config) { c.Site.Domain = "" },
			want:     []string{exceptionInForce, "warning tools[1]", "error statistics.publish"},
		},
		{
			name:     "unpublished statistics without analytics",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Statistics.Publish = false },
			config:   func(c *config.Config) { c.Analytics.Enabled = false },
			want:     []string{exceptionInForce, "warning tools[1]"},
		},

		// The access log
		{
			name:   "access log left with the other logs",
			config: func(c *config.Config) { c.Log.AccessFile = "" },
			want:   []string{exceptionInForce, "warning automatic_collection[0].retention"},
		},
		{
			name:     "access log undeclared",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection = m.AutomaticCollection[1:] },
			want:     []string{exceptionInForce, "error automatic_collection"},
		},
		{
			name:     "access log kept less than a day",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.AutomaticCollection[0].Retention = duration(t, "12h") },
			want:     []string{exceptionInForce, "error automatic_collection[0].retention"},
		},

		// Requests
		{
			name:   "requests answered later than stated",
			config: func(c *config.Config) { c.Requests.Deadline = day(45) },
			want:   []string{exceptionInForce, "error requests.deadline"},
		},
		{name: "requests answered sooner than stated", config: func(c *config.Config) { c.Requests.Deadline = day(20) }, want: []string{exceptionInForce}},
		{name: "requests deadline left to the manifest", config: func(c *config.Config) { c.Requests.Deadline = 0 }, want: []string{exceptionInForce}},

		// Site search
		{
			name:     "site search undeclared",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Tools = slices.Delete(m.Tools, 2, 3) },
			want:     []string{exceptionInForce, "warning tools"},
			message:  `add "- use: noren-search" under tools, or turn search.enabled off`,
		},
		{
			name:    "site search declared but off",
			config:  func(c *config.Config) { c.Search.Enabled = false },
			want:    []string{exceptionInForce, "warning tools[2]"},
			message: "declares Noren's site search, but search.enabled is off",
		},
		{
			name:     "no site search at all",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Tools = slices.Delete(m.Tools, 2, 3) },
			config:   func(c *config.Config) { c.Search.Enabled = false },
			want:     []string{exceptionInForce},
		},
		{
			name:     "a third party's search beside Noren's",
			manifest: func(t *testing.T, m *manifest.Manifest) { m.Tools = append(m.Tools, catalogTool(t, "google-cse")) },
			want:     []string{exceptionInForce, "warning tools[5]"},
			message:  "declares google-cse, a third party's search, while Noren serves the site's own: the policy tells visitors that their search terms go to Google LLC",
		},
		{
			name: "a third party's search instead of Noren's",
			manifest: func(t *testing.T, m *manifest.Manifest) {
				m.Tools = append(slices.Delete(m.Tools, 2, 3), catalogTool(t, "google-cse"))
			},
			want: []string{exceptionInForce, "warning tools", "warning tools[4]"},
		},
		{
			name: "a third party's search while Noren's is off",
			manifest: func(t *testing.T, m *manifest.Manifest) {
				m.Tools = append(slices.Delete(m.Tools, 2, 3), catalogTool(t, "google-cse"))
			},
			config: func(c *config.Config) { c.Search.Enabled = false },
			want:   []string{exceptionInForce},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, cfg := demoManifest(t), demoConfig()
			if tt.manifest != nil {
				tt.manifest(t, m)
			}
			if tt.config != nil {
				tt.config(cfg)
			}
			got := Check(m, cfg)
			if !slices.Equal(summary(got), tt.want) {
				t.Fatalf("findings:\n%s\nwant %v", got.Error(), tt.want)
			}
			for _, f := range got {
				if want := m.Position(f.Path); f.Position != want || !strings.HasPrefix(f.Position, "manifest.yaml:") || f.Position == "manifest.yaml:1" {
					t.Errorf("%s: position %q, want the line of the claim, %q", f.Path, f.Position, want)
				}
			}
			if tt.message != "" {
				// The message is the last finding's, the one the case is about.
				if last := got[len(got)-1]; !strings.Contains(last.Message, tt.message) {
					t.Errorf("message %q lacks %q", last.Message, tt.message)
				}
			}
		})
	}
}

func TestCheckReload(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
		next string
		want []string
	}{
		{"same minimum over TLS", true, "1.2", []string{"warning security.tls_exception"}},
		{"new minimum over TLS", true, "1.3", []string{"warning security.tls_exception", "error security.tls_min_version"}},
		{"new minimum over plain HTTP", false, "1.3", []string{exceptionInForce}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			running, next, cfg := demoManifest(t), demoManifest(t), demoConfig()
			next.Security.TLSMinVersion = tt.next
			if tt.tls {
				cfg.TLS.Cert, cfg.TLS.Key = "cert.pem", "key.pem"
			}
			got := CheckReload(running, next, cfg)
			if !slices.Equal(summary(got), tt.want) {
				t.Errorf("findings:\n%s\nwant %v", got.Error(), tt.want)
			}
		})
	}
}

func TestFindingString(t *testing.T) {
	tests := []struct {
		f    Finding
		want string
	}{
		{Finding{Error, "m.yaml:3", "statistics.publish", "not served"}, "m.yaml:3: statistics.publish: not served"},
		{Finding{Warning, "m.yaml:9", "security.tls_exception", "in force"}, "m.yaml:9: security.tls_exception: warning: in force"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	fs := Findings{tests[0].f, tests[1].f}
	if got := summary(fs.Errors()); !slices.Equal(got, []string{"error statistics.publish"}) {
		t.Errorf("Errors() = %v", got)
	}
	if got := summary(fs.Warnings()); !slices.Equal(got, []string{"warning security.tls_exception"}) {
		t.Errorf("Warnings() = %v", got)
	}
}

func TestShortest(t *testing.T) {
	tests := []struct {
		d    string
		want time.Duration
	}{
		{"session", 0},
		{"90min", 90 * time.Minute},
		{"12h", 12 * time.Hour},
		{"30d", day(30)},
		{"2w", day(14)},
		{"1mo", day(28)},
		{"2mo", day(59)},
		{"13mo", day(393)},
		{"1y", day(365)},
		{"4y", day(1461)},
	}
	for _, tt := range tests {
		if got := shortest(duration(t, tt.d)); got != tt.want {
			t.Errorf("shortest(%s) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"demo.localhost:8080", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"[::]:8080", false},
		{"192.0.2.1:80", false},
		{"www.example.jp:80", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := loopbackOnly(tt.addr); got != tt.want {
			t.Errorf("loopbackOnly(%q) = %t, want %t", tt.addr, got, tt.want)
		}
	}
}
