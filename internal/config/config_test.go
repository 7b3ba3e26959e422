package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/server"
)

// writeConfig writes a YAML file into a fresh directory and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "noren.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// problemsOf returns the problems in err, failing the test if err is not
// Problems.
func problemsOf(t *testing.T, err error) Problems {
	t.Helper()
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not Problems", err, err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"data_dir", c.DataDir, "./noren-data"},
		{"database", c.Database, "sqlite:" + filepath.Join("noren-data", "noren.db")},
		{"migrate_on_start", c.MigrateOnStart, true},
		{"manifest_reload", c.ManifestReload, 10 * time.Second},
		{"site.mode", c.Site.Mode, "static"},
		{"site.languages", c.Site.Languages, []string{"ja", "en"}},
		{"site.default_language", c.Site.DefaultLanguage, "ja"},
		{"site.inject", c.Site.Inject, true},
		{"site.footer", c.Site.Footer, "auto"},
		{"site.layout_page", c.Site.LayoutPage, ""},
		{"site.layout_main", c.Site.LayoutMain, "main"},
		{"site.redirect_root", c.Site.RedirectRoot, true},
		{"tls.acme.cache_dir", c.TLS.ACME.CacheDir, filepath.Join("noren-data", "acme")},
		{"tls.hsts_max_age", c.TLS.HSTSMaxAge, 31536000},
		{"tls.hsts_include_subdomains", c.TLS.HSTSIncludeSubdomains, false},
		{"http.max_body_bytes", c.HTTP.MaxBodyBytes, ByteSize(1 << 20)},
		{"http.frame_ancestors", c.HTTP.FrameAncestors, []string{"none"}},
		{"log.level", c.Log.Level, slog.LevelInfo},
		{"log.format", c.Log.Format, "text"},
		{"log.access_file", c.Log.AccessFile, ""},
		{"tls.offloaded", c.TLS.Offloaded, false},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.key, ch.got, ch.want)
		}
	}
	if c.TLSEnabled() {
		t.Error("TLS on by default")
	}
}

func TestDerivedDefaultsFollowDataDir(t *testing.T) {
	c, err := Load("", []string{"NOREN_DATA_DIR=/var/lib/noren", "NOREN_SITE_UPSTREAM=http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "sqlite:" + filepath.Join("/var/lib/noren", "noren.db"); c.Database != want {
		t.Errorf("database = %q, want %q", c.Database, want)
	}
	if want := filepath.Join("/var/lib/noren", "acme"); c.TLS.ACME.CacheDir != want {
		t.Errorf("tls.acme.cache_dir = %q, want %q", c.TLS.ACME.CacheDir, want)
	}
	if c.Site.Mode != "proxy" {
		t.Errorf("site.mode = %q with an upstream, want proxy", c.Site.Mode)
	}
}

func TestPrecedence(t *testing.T) {
	file := `
listen: 127.0.0.1:1000
http:
  read_timeout: 11s
trusted_proxies: [10.0.0.0/8]
log:
  level: warn
site:
  root: ./from-file
`
	tests := []struct {
		name  string
		file  bool
		env   []string
		args  []string
		check func(*Config) (got, want any)
	}{
		{"listen default", false, nil, nil, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:8080" }},
		{"listen file", true, nil, nil, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:1000" }},
		{"listen env over file", true, []string{"NOREN_LISTEN=127.0.0.1:2000"}, nil, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:2000" }},
		{"listen flag over env", true, []string{"NOREN_LISTEN=127.0.0.1:2000"}, []string{"-listen", "127.0.0.1:3000"}, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:3000" }},
		{"addr flag over env", true, []string{"NOREN_LISTEN=127.0.0.1:2000"}, []string{"--addr=127.0.0.1:4000"}, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:4000" }},
		{"duration file", true, nil, nil, func(c *Config) (any, any) { return c.HTTP.ReadTimeout, 11 * time.Second }},
		{"duration env over file", true, []string{"NOREN_HTTP_READ_TIMEOUT=12s"}, nil, func(c *Config) (any, any) { return c.HTTP.ReadTimeout, 12 * time.Second }},
		{"list file", true, nil, nil, func(c *Config) (any, any) {
			return c.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		}},
		{"list env over file", true, []string{"NOREN_TRUSTED_PROXIES=192.0.2.0/24"}, nil, func(c *Config) (any, any) {
			return c.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
		}},
		{"list flag over env", true, []string{"NOREN_TRUSTED_PROXIES=192.0.2.0/24"}, []string{"--trusted-proxies", "127.0.0.1,::1"}, func(c *Config) (any, any) {
			return c.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
		}},
		{"list emptied by env", true, []string{"NOREN_TRUSTED_PROXIES="}, nil, func(c *Config) (any, any) { return len(c.TrustedProxies), 0 }},
		{"level env", true, []string{"NOREN_LOG_LEVEL=debug"}, nil, func(c *Config) (any, any) { return c.Log.Level, slog.LevelDebug }},
		{"level flag", true, []string{"NOREN_LOG_LEVEL=debug"}, []string{"--log-level", "error"}, func(c *Config) (any, any) { return c.Log.Level, slog.LevelError }},
		{"unset flag keeps file", true, nil, []string{"--data", "/tmp/d"}, func(c *Config) (any, any) { return filepath.Base(c.Site.Root), "from-file" }},
		{"flag over file", true, nil, []string{"--site-root", "./from-flag"}, func(c *Config) (any, any) { return c.Site.Root, "./from-flag" }},
		{"upstream flag implies proxy", true, nil, []string{"--upstream", "http://127.0.0.1:3000"}, func(c *Config) (any, any) { return c.Site.Mode, "proxy" }},
		{"env later entry wins", false, []string{"NOREN_LISTEN=127.0.0.1:1", "NOREN_LISTEN=127.0.0.1:2"}, nil, func(c *Config) (any, any) { return c.Listen, "127.0.0.1:2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			flags := RegisterFlags(fs)
			args := tt.args
			if tt.file {
				args = append([]string{"--config", writeConfig(t, file)}, args...)
			}
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			c, err := flags.Load(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(c); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestFlagConflicts(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", ":1", "--listen", ":2"}, "both set listen"},
		{[]string{"--site-root", "./public", "--upstream", "http://127.0.0.1:3000"}, "different site modes"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,nope"}, `-trusted-proxies (trusted_proxies): "nope"`},
		{[]string{"--log-level", "loud"}, `-log-level (log.level): "loud"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			flags := RegisterFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			_, err := flags.Load(nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	named := filepath.Join(dir, "named.yaml")
	fromEnv := filepath.Join(dir, "env.yaml")

	newFlags := func(args ...string) *Flags {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		f := RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f
	}
	if got := newFlags().ConfigPath(nil); got != "" {
		t.Errorf("without a file: %q, want none", got)
	}
	if err := os.WriteFile(DefaultFile, []byte("listen: 127.0.0.1:9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := newFlags().ConfigPath(nil); got != DefaultFile {
		t.Errorf("with %s present: %q", DefaultFile, got)
	}
	if got := newFlags().ConfigPath([]string{"NOREN_CONFIG=" + fromEnv}); got != fromEnv {
		t.Errorf("with NOREN_CONFIG: %q", got)
	}
	if got := newFlags("--config", named).ConfigPath([]string{"NOREN_CONFIG=" + fromEnv}); got != named {
		t.Errorf("with --config and NOREN_CONFIG: %q", got)
	}

	c, err := newFlags().Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("%s in the working directory was not read: listen = %q", DefaultFile, c.Listen)
	}
	if _, err := newFlags("--config", named).Load(nil); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a named file that is missing: %v, want not-exist", err)
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "top level typo",
			yaml: "listen: 127.0.0.1:8080\nlisten_addr: :80\n",
			want: []string{`noren.yaml:2: unknown key "listen_addr" (did you mean "listen"?)`},
		},
		{
			name: "nested typo",
			yaml: "http:\n  read_timeout: 5s\n  read_timout: 5s\n",
			want: []string{`noren.yaml:3: unknown key "http.read_timout" (did you mean "http.read_timeout"?)`},
		},
		{
			name: "unrelated key",
			yaml: "site:\n  mode: static\n  colour: blue\n",
			want: []string{`noren.yaml:3: unknown key "site.colour"`},
		},
		{
			name: "several at once",
			yaml: "foo: 1\ntls:\n  acme:\n    domain: [x.example]\nbar: 2\n",
			want: []string{`noren.yaml:1: unknown key "foo"`, `noren.yaml:4: unknown key "tls.acme.domain" (did you mean "tls.acme.domains"?)`, `noren.yaml:5: unknown key "bar"`},
		},
		{
			name: "merge key",
			yaml: "base: &b\n  read_timeout: 5s\nhttp:\n  <<: *b\n",
			want: []string{`noren.yaml:1: unknown key "base"`, `noren.yaml:4: unknown key "http.<<"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("noren.yaml", []byte(tt.yaml), nil, nil)
			p := problemsOf(t, err)
			if !slices.Equal(p, Problems(tt.want)) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(p, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := writeConfig(t, "\n\nlsten: :80\n")
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), path+`:3: unknown key "lsten"`) {
		t.Fatalf("error %v, want the file path and line 3", err)
	}
}

func TestYAMLStructure(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"syntax error", "listen: [\n", "noren.yaml:"},
		{"tab indentation", "http:\n\tread_timeout: 1s\n", "noren.yaml:2: "},
		{"not a mapping", "- listen\n", "noren.yaml:1: the file must be a mapping"},
		{"two documents", "listen: :80\n---\nlisten: :81\n", "noren.yaml:2: only one YAML document"},
		{"duplicate key", "listen: :80\nlisten: :81\n", "noren.yaml:2: listen is set twice (first on line 1)"},
		{"section given a value", "http: fast\n", "noren.yaml:1: http is a section"},
		{"list given a scalar", "trusted_proxies: 10.0.0.0/8\n", "noren.yaml:1: trusted_proxies: want a list"},
		{"scalar given a list", "listen: [a, b]\n", "noren.yaml:1: listen: want a single value"},
		{"nested list item", "site:\n  languages: [[ja]]\n", "noren.yaml:2: site.languages: list item on line 2"},
		{"map given a list", "http:\n  csp_extra: [img-src]\n", "noren.yaml:2: http.csp_extra: want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("noren.yaml", []byte(tt.yaml), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEmptyValuesKeepDefaults(t *testing.T) {
	for _, yaml := range []string{"", "# only a comment\n", "listen:\n", "http:\n", "site:\n  languages: ~\n"} {
		c, err := parse("noren.yaml", []byte(yaml), nil, nil)
		if err != nil {
			t.Fatalf("%q: %v", yaml, err)
		}
		if c.Listen != "127.0.0.1:8080" || !slices.Equal(c.Site.Languages, []string{"ja", "en"}) {
			t.Errorf("%q changed defaults: listen %q languages %v", yaml, c.Listen, c.Site.Languages)
		}
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the whole problem, or its start
	}{
		{"bad duration", "http:\n  read_timeout: 10x\n", `noren.yaml:2: http.read_timeout: "10x" is not a duration`},
		{"duration without unit", "manifest_reload: 10\n", `noren.yaml:1: manifest_reload: "10" is not a duration`},
		{"negative reload", "manifest_reload: -1s\n", "manifest_reload: must not be negative"},
		{"zero read header timeout", "http:\n  read_header_timeout: 0s\n", "http.read_header_timeout: must be positive"},
		{"negative write timeout", "http:\n  write_timeout: -5s\n", "http.write_timeout: must not be negative"},
		{"zero shutdown timeout", "http:\n  shutdown_timeout: 0s\n", "http.shutdown_timeout: must be positive"},
		{"zero proxy dial timeout", "proxy:\n  dial_timeout: 0s\n", "proxy.dial_timeout: must be positive"},
		{"bad size", "http:\n  max_body_bytes: 1MB\n", `noren.yaml:2: http.max_body_bytes: "1MB" is not a size`},
		{"zero size", "http:\n  max_body_bytes: 0\n", "http.max_body_bytes: must be positive"},
		{"huge header size", "http:\n  max_header_bytes: 1GiB\n", "http.max_header_bytes: must be between 1 and 16MiB"},
		{"bad bool", "migrate_on_start: maybe\n", `noren.yaml:1: migrate_on_start: "maybe": want true or false`},
		{"bad integer", "tls:\n  hsts_max_age: a year\n", `noren.yaml:2: tls.hsts_max_age: "a year": want a whole number`},
		{"negative HSTS", "tls:\n  cert: c.pem\n  key: k.pem\n  hsts_max_age: -1\n", "tls.hsts_max_age: must not be negative"},
		{"bad CIDR", "trusted_proxies: [10.0.0.0/33]\n", `noren.yaml:1: trusted_proxies: "10.0.0.0/33" is not a CIDR`},
		{"CIDR with zone", "trusted_proxies: [fe80::1%eth0]\n", `noren.yaml:1: trusted_proxies: "fe80::1%eth0" is not a CIDR`},
		{"bad metrics CIDR", "http:\n  metrics_allow: [localhost]\n", `noren.yaml:2: http.metrics_allow: "localhost" is not a CIDR`},
		{"bad mode", "site:\n  mode: mirror\n", `site.mode: "mirror": want static or proxy`},
		{"cluster without shards", "analytics:\n  backend: clickhouse\n  clickhouse_url: clickhouse://10.0.0.5:9000/noren\n  clickhouse_cluster: noren\n",
			"analytics.clickhouse_shards: empty: want the URL of one server of each shard of cluster noren"},
		{"shards without cluster", "analytics:\n  backend: clickhouse\n  clickhouse_url: clickhouse://10.0.0.5:9000/noren\n  clickhouse_shards: [clickhouse://10.0.0.5:9000/noren]\n",
			"analytics.clickhouse_shards: set without analytics.clickhouse_cluster"},
		{"cluster name", "analytics:\n  backend: clickhouse\n  clickhouse_url: clickhouse://10.0.0.5:9000/noren\n  clickhouse_cluster: \"no ren\"\n  clickhouse_shards: [clickhouse://10.0.0.5:9000/noren]\n",
			`analytics.clickhouse_cluster: "no ren": want the cluster's name`},
		{"shard not a URL", "analytics:\n  backend: clickhouse\n  clickhouse_url: clickhouse://10.0.0.5:9000/noren\n  clickhouse_cluster: noren\n  clickhouse_shards: [10.0.0.6:9000]\n",
			`analytics.clickhouse_shards: "10.0.0.6:9000": want a URL such as`},
		{"upstream not a URL", "site:\n  upstream: \"http://[::1\"\n", "site.upstream: \"http://[::1\" is not a URL"},
		{"upstream scheme", "site:\n  upstream: ftp://files.example.jp\n", "site.upstream: \"ftp://files.example.jp\": want an http:// or https:// URL"},
		{"upstream without host", "site:\n  upstream: http:///path\n", "site.upstream: \"http:///path\": no host"},
		{"upstream with query", "site:\n  upstream: http://127.0.0.1:3000/?a=1\n", "site.upstream: \"http://127.0.0.1:3000/?a=1\": a query or fragment"},
		{"upstream without scheme", "site:\n  upstream: localhost:3000\n", `site.upstream: "localhost:3000": want an http:// or https:// URL, such as http://localhost:3000`},
		{"upstream address without scheme", "site:\n  upstream: 127.0.0.1:3000\n", `site.upstream: "127.0.0.1:3000": want an http:// or https:// URL, such as http://127.0.0.1:3000`},
		{"upstream with a port only", "site:\n  upstream: http://:3000\n", `site.upstream: "http://:3000": no host`},
		{"upstream port out of range", "site:\n  upstream: http://127.0.0.1:99999\n", `site.upstream: "http://127.0.0.1:99999": the port must be 1 to 65535`},
		{"upstream with empty query", "site:\n  upstream: http://127.0.0.1:3000/?\n", `site.upstream: "http://127.0.0.1:3000/?": a query or fragment`},
		{"bad domain", "site:\n  domain: https://example.jp\n", `site.domain: "https://example.jp": want a host name`},
		{"unsupported language", "site:\n  languages: [ja, fr]\n", `site.languages: "fr": supported languages are ja and en`},
		{"duplicate language", "site:\n  languages: [en, en]\n  default_language: en\n", `site.languages: "en" is listed twice`},
		{"no language", "site:\n  languages: []\n", "site.languages: at least one language is required"},
		{"default language not offered", "site:\n  languages: [en]\n", `site.default_language: "ja": must be one of site.languages (en)`},
		{"cert without key", "tls:\n  cert: c.pem\n", "tls.key: tls.cert and tls.key must be given together"},
		{"key without cert", "tls:\n  key: k.pem\n", "tls.cert: tls.cert and tls.key must be given together"},
		{"cert and ACME", "tls:\n  cert: c.pem\n  key: k.pem\n  acme:\n    domains: [example.jp]\n", "tls.acme.domains: certificate files (tls.cert, tls.key) and ACME are exclusive"},
		{"wildcard ACME domain", "tls:\n  acme:\n    domains: [\"*.example.jp\"]\n", `tls.acme.domains: "*.example.jp": wildcard`},
		{"bad ACME domain", "tls:\n  acme:\n    domains: [exa_mple.jp]\n", `tls.acme.domains: "exa_mple.jp": not a host name`},
		{"duplicate ACME domain", "tls:\n  acme:\n    domains: [example.jp, example.jp]\n", `tls.acme.domains: "example.jp" is listed twice`},
		{"bad ACME email", "tls:\n  acme:\n    domains: [example.jp]\n    email: \"Admin <a@example.jp>\"\n", `tls.acme.email: "Admin <a@example.jp>": want a plain e-mail address`},
		{"plain ACME directory", "tls:\n  acme:\n    domains: [example.jp]\n    directory_url: http://acme.example/dir\n", "tls.acme.directory_url: \"http://acme.example/dir\": want an https:// URL"},
		{"redirect without TLS", "tls:\n  redirect_http: \":80\"\n", "tls.redirect_http: needs TLS"},
		{"bad redirect address", "tls:\n  cert: c.pem\n  key: k.pem\n  redirect_http: \"80\"\n", `tls.redirect_http: "80": want host:port`},
		{"bad listen", "listen: localhost\n", `listen: "localhost": want host:port`},
		{"bad listen host", "listen: \"exa mple:80\"\n", `listen: "exa mple:80": bad host "exa mple"`},
		{"empty data dir", "data_dir: \"\"\n", "data_dir: must not be empty"},
		{"unknown database", "database: mysql://u:hunter2@db/noren\n", `database: want sqlite:PATH or a postgres:// URL (got one starting "mysql")`},
		{"sqlite without file", "database: \"sqlite:\"\n", "database: sqlite: names no file"},
		{"unknown log level", "log:\n  level: loud\n", `noren.yaml:2: log.level: "loud": want debug, info, warn or error`},
		{"unknown log format", "log:\n  format: xml\n", `log.format: "xml": want text or json`},
		{"access log without a name", "log:\n  access_file: logs/.log\n", `log.access_file: "logs/.log": want a file name, such as logs/access.log`},
		{"access log in a folder", "log:\n  access_file: logs/\n", `log.access_file: "logs/": want a file name, such as logs/access.log`},
		{"unsafe-inline script", "http:\n  csp_extra:\n    script-src: [\"'unsafe-inline'\"]\n", "http.csp_extra: script-src: source 'unsafe-inline' is refused"},
		{"unsafe-eval script", "http:\n  csp_extra:\n    script-src: \"'unsafe-eval'\"\n", "http.csp_extra: script-src: source 'unsafe-eval' is refused"},
		{"fixed CSP directive", "http:\n  csp_extra:\n    object-src: [https://x.example]\n", `http.csp_extra: directive "object-src" cannot be extended`},
		{"unknown CSP mode", "http:\n  csp: block\n", `http.csp: want "enforce" or "report-only", got "block"`},
		{"unknown inline code mode", "http:\n  inline_code: nonce\n", `http.inline_code: want "allow" or "block", got "nonce"`},
		{"frame ancestors none with others", "http:\n  frame_ancestors: [none, self]\n", "http.frame_ancestors: 'none' must stand alone"},
		{"empty frame ancestors", "http:\n  frame_ancestors: []\n", "http.frame_ancestors: must not be empty"},
		{"bad permissions policy", "http:\n  permissions_policy: camera\n", `http.permissions_policy: item "camera": want feature=allowlist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("noren.yaml", []byte(tt.yaml), nil, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			p := problemsOf(t, err)
			if !slices.ContainsFunc(p, func(s string) bool { return strings.HasPrefix(s, tt.want) }) {
				t.Errorf("problems:\n%s\nwant one starting %q", strings.Join(p, "\n"), tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("the error repeats a database password")
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	yaml := `
listen: nowhere
http:
  read_timeout: soon
  max_body_bytes: 0
site:
  mode: mirror
  languages: [fr]
log:
  format: xml
`
	_, err := parse("noren.yaml", []byte(yaml), []string{"NOREN_PROXY_DIAL_TIMEOUT=never"}, nil)
	p := problemsOf(t, err)
	for _, key := range []string{"listen:", "http.read_timeout:", "http.max_body_bytes:", "site.mode:", "site.languages:", "site.default_language:", "log.format:", "NOREN_PROXY_DIAL_TIMEOUT"} {
		if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, key) }) {
			t.Errorf("no problem names %s in:\n%s", key, p.Error())
		}
	}
	if !strings.HasPrefix(err.Error(), "config: 8 problems:\n") {
		t.Errorf("error text starts %q", strings.SplitN(err.Error(), "\n", 2)[0])
	}

	c := Default()
	c.Listen = ""
	c.Log.Format = "xml"
	if p := problemsOf(t, c.Validate()); len(p) != 2 {
		t.Errorf("Validate found %d problems, want 2: %v", len(p), p)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestValidateServe(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"nothing set", nil, []string{"manifest: required", "site.root: required in static mode"}},
		{"static complete", []string{"NOREN_MANIFEST=m.yaml", "NOREN_SITE_ROOT=./public"}, nil},
		{"proxy without upstream", []string{"NOREN_MANIFEST=m.yaml", "NOREN_SITE_MODE=proxy"}, []string{"site.upstream: required in proxy mode"}},
		{"proxy complete", []string{"NOREN_MANIFEST=m.yaml", "NOREN_SITE_UPSTREAM=http://127.0.0.1:3000"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateServe()
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			p := problemsOf(t, err)
			if len(p) != len(tt.want) {
				t.Fatalf("problems %v, want %v", p, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(p[i], w) {
					t.Errorf("problem %q, want %q", p[i], w)
				}
			}
		})
	}
}

func TestEnvParsing(t *testing.T) {
	env := []string{
		"PATH=/usr/bin",
		"NOREN_UNRELATED_SECRET=x", // not a key: left for other parts of the program
		"NOREN_SITE_LANGUAGES= en , ja ",
		"NOREN_SITE_DEFAULT_LANGUAGE=en",
		"NOREN_TLS_ACME_DOMAINS=example.jp,www.example.jp",
		"NOREN_TLS_ACME_EMAIL=admin@example.jp",
		"NOREN_HTTP_IDLE_TIMEOUT=1m30s",
		"NOREN_MANIFEST_RELOAD=0",
		"NOREN_HTTP_MAX_BODY_BYTES=64KiB",
		"NOREN_HTTP_MAX_HEADER_BYTES=8192",
		"NOREN_HTTP_CSP_EXTRA=img-src=https://images.example.jp https://cdn.example.jp; frame-src=https://www.youtube-nocookie.com",
		"NOREN_HTTP_FRAME_ANCESTORS=self,https://partner.example.jp",
		"NOREN_TRUSTED_PROXIES=10.0.0.0/8, 192.0.2.1 ,2001:db8::/32",
		"NOREN_SITE_INJECT=false",
		"NOREN_TLS_HSTS_MAX_AGE=600",
		"NOREN_LOG_FORMAT=json",
		"NOREN_LOG_ACCESS_FILE=/var/log/noren/access.log",
		"NOREN_TLS_OFFLOADED=true",
	}
	c, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"site.languages", c.Site.Languages, []string{"en", "ja"}},
		{"tls.acme.domains", c.TLS.ACME.Domains, []string{"example.jp", "www.example.jp"}},
		{"http.idle_timeout", c.HTTP.IdleTimeout, 90 * time.Second},
		{"manifest_reload", c.ManifestReload, time.Duration(0)},
		{"http.max_body_bytes", c.HTTP.MaxBodyBytes, ByteSize(64 << 10)},
		{"http.max_header_bytes", c.HTTP.MaxHeaderBytes, ByteSize(8192)},
		{"http.csp_extra", c.HTTP.CSPExtra, map[string][]string{
			"img-src":   {"https://images.example.jp", "https://cdn.example.jp"},
			"frame-src": {"https://www.youtube-nocookie.com"},
		}},
		{"http.frame_ancestors", c.HTTP.FrameAncestors, []string{"self", "https://partner.example.jp"}},
		{"trusted_proxies", c.TrustedProxies, []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("2001:db8::/32"),
		}},
		{"site.inject", c.Site.Inject, false},
		{"tls.hsts_max_age", c.TLS.HSTSMaxAge, 600},
		{"log.format", c.Log.Format, "json"},
		{"log.access_file", c.Log.AccessFile, "/var/log/noren/access.log"},
		{"tls.offloaded", c.TLS.Offloaded, true},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.key, ch.got, ch.want)
		}
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		env  string
		want string
	}{
		{"NOREN_HTTP_READ_TIMEOUT=fast", `NOREN_HTTP_READ_TIMEOUT (http.read_timeout): "fast" is not a duration`},
		{"NOREN_MIGRATE_ON_START=yes please", `NOREN_MIGRATE_ON_START (migrate_on_start): "yes please": want true or false`},
		{"NOREN_TRUSTED_PROXIES=10.0.0.0/8,bad,worse", `NOREN_TRUSTED_PROXIES (trusted_proxies): "bad" is not a CIDR such as 10.0.0.0/8 or an IP address; "worse"`},
		{"NOREN_HTTP_CSP_EXTRA=img-src", `NOREN_HTTP_CSP_EXTRA (http.csp_extra): entry "img-src": want name=value`},
		{"NOREN_HTTP_CSP_EXTRA=img-src=a;img-src=b", `NOREN_HTTP_CSP_EXTRA (http.csp_extra): "img-src" is set twice`},
		{"NOREN_HTTP_MAX_BODY_BYTES=-1", `NOREN_HTTP_MAX_BODY_BYTES (http.max_body_bytes): "-1" is not a size`},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			_, err := Load("", []string{tt.env})
			p := problemsOf(t, err)
			if !slices.ContainsFunc(p, func(s string) bool { return strings.HasPrefix(s, tt.want) }) {
				t.Errorf("problems:\n%s\nwant one starting %q", strings.Join(p, "\n"), tt.want)
			}
		})
	}
}

func TestEnvNamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	for _, k := range Default().keys() {
		name := envName(k.path)
		if other, dup := seen[name]; dup {
			t.Errorf("%s and %s share %s", other, k.path, name)
		}
		seen[name] = k.path
	}
	if got := envName("site.upstream"); got != "NOREN_SITE_UPSTREAM" {
		t.Errorf("envName(site.upstream) = %s", got)
	}
	if got := envName("tls.acme.cache_dir"); got != "NOREN_TLS_ACME_CACHE_DIR" {
		t.Errorf("envName(tls.acme.cache_dir) = %s", got)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		out  string
		bad  bool
	}{
		{in: "0", want: 0, out: "0"},
		{in: "1000", want: 1000, out: "1000"},
		{in: "65536", want: 64 << 10, out: "64KiB"},
		{in: "1MiB", want: 1 << 20, out: "1MiB"},
		{in: "2 GiB", want: 2 << 30, out: "2GiB"},
		{in: "1536KiB", want: 1536 << 10, out: "1536KiB"},
		{in: "10B", want: 10, out: "10"},
		{in: "1MB", bad: true},
		{in: "1.5MiB", bad: true},
		{in: "-1", bad: true},
		{in: "99999999999GiB", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseByteSize(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.out {
			t.Errorf("ParseByteSize(%q) = %d (%s), %v; want %d (%s)", tt.in, got, got, err, tt.want, tt.out)
		}
	}
}

func TestServerConfig(t *testing.T) {
	env := []string{
		"NOREN_LISTEN=127.0.0.1:0",
		"NOREN_TRUSTED_PROXIES=10.0.0.0/8",
		"NOREN_HTTP_MAX_BODY_BYTES=2MiB",
		"NOREN_HTTP_WRITE_TIMEOUT=0",
		"NOREN_HTTP_FRAME_ANCESTORS=self",
		"NOREN_HTTP_CSP_EXTRA=img-src=https://images.example.jp",
		"NOREN_HTTP_CSP=report-only",
		"NOREN_TLS_ACME_DOMAINS=example.jp",
		"NOREN_TLS_ACME_EMAIL=admin@example.jp",
		"NOREN_TLS_REDIRECT_HTTP=127.0.0.1:0",
		"NOREN_TLS_HSTS_MAX_AGE=600",
		"NOREN_TLS_HSTS_INCLUDE_SUBDOMAINS=true",
		"NOREN_DATA_DIR=" + t.TempDir(),
	}
	c, err := Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	sc := c.ServerConfig()
	checks := []struct {
		field     string
		got, want any
	}{
		{"Listen", sc.Listen, "127.0.0.1:0"},
		{"TrustedProxies", sc.TrustedProxies, c.TrustedProxies},
		{"MaxBodyBytes", sc.MaxBodyBytes, int64(2 << 20)},
		{"MaxHeaderBytes", sc.MaxHeaderBytes, 64 << 10},
		{"ReadHeaderTimeout", sc.ReadHeaderTimeout, 10 * time.Second},
		{"WriteTimeout", sc.WriteTimeout, time.Duration(0)},
		{"ShutdownTimeout", sc.ShutdownTimeout, 15 * time.Second},
		{"Headers.FrameAncestors", sc.Headers.FrameAncestors, []string{"self"}},
		{"Headers.CSPExtra", sc.Headers.CSPExtra, map[string][]string{"img-src": {"https://images.example.jp"}}},
		{"Headers.CSPReportOnly", sc.Headers.CSPReportOnly, true},
		{"Headers.HSTSMaxAge", sc.Headers.HSTSMaxAge, 600 * time.Second},
		{"Headers.HSTSIncludeSubdomains", sc.Headers.HSTSIncludeSubdomains, true},
		{"TLS.ACME.Domains", sc.TLS.ACME.Domains, []string{"example.jp"}},
		{"TLS.ACME.Email", sc.TLS.ACME.Email, "admin@example.jp"},
		{"TLS.ACME.CacheDir", sc.TLS.ACME.CacheDir, c.TLS.ACME.CacheDir},
		{"TLS.RedirectHTTP", sc.TLS.RedirectHTTP, "127.0.0.1:0"},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.field, ch.got, ch.want)
		}
	}
	if _, err := server.New(sc, http.NotFoundHandler(), nil, nil); err != nil {
		t.Errorf("server.New rejects a valid configuration: %v", err)
	}

	def, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.New(def.ServerConfig(), http.NotFoundHandler(), nil, nil); err != nil {
		t.Errorf("server.New rejects the defaults: %v", err)
	}
}

func TestLogger(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"NOREN_LOG_FORMAT=json"}, `"msg":"hello"`},
		{nil, "msg=hello"},
	} {
		c, err := Load("", tt.env)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		l := c.Logger(&b)
		l.Debug("hidden")
		l.Info("hello")
		if !strings.Contains(b.String(), tt.want) || strings.Contains(b.String(), "hidden") {
			t.Errorf("log output %q, want %q and no debug line", b.String(), tt.want)
		}
	}
	c, err := Load("", []string{"NOREN_LOG_LEVEL=debug"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Logger(io.Discard).Enabled(t.Context(), slog.LevelDebug) {
		t.Error("log.level debug does not enable debug logs")
	}
}

// TestAccessLogger checks that the access log's files get every request
// line, in the configured format, whatever log.level holds back.
func TestAccessLogger(t *testing.T) {
	c, err := Load("", []string{"NOREN_LOG_LEVEL=warn", "NOREN_LOG_FORMAT=json"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	c.AccessLogger(&b).Info("request")
	if !strings.Contains(b.String(), `"msg":"request"`) {
		t.Errorf("access log output %q, want the request line in JSON", b.String())
	}
	if c.Logger(io.Discard).Enabled(t.Context(), slog.LevelInfo) {
		t.Error("log.level warn enables info logs")
	}
}
