package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathsRelativeToTheFile loads a configuration from another folder
// than the working directory: every relative path written in the file is
// taken from the file's folder, while those of the environment and the
// flags, and absolute ones, stay as they are.
func TestPathsRelativeToTheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mysite")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "elsewhere")
	in := func(p string) string { return filepath.Join(dir, p) }
	tests := []struct {
		name string
		file string
		env  []string
		args []string
		got  func(*Config) string
		want string
	}{
		{"manifest", "manifest: ./manifest.yaml\n", nil, nil, func(c *Config) string { return c.Manifest }, in("manifest.yaml")},
		{"site root", "site:\n  root: public\n", nil, nil, func(c *Config) string { return c.Site.Root }, in("public")},
		{"site root in the parent", "site:\n  root: ../www\n", nil, nil, func(c *Config) string { return c.Site.Root }, filepath.Join(filepath.Dir(dir), "www")},
		{"data dir", "data_dir: ./state\n", nil, nil, func(c *Config) string { return c.DataDir }, in("state")},
		{"default data dir", "", nil, nil, func(c *Config) string { return c.DataDir }, in("noren-data")},
		{"database derived from the data dir", "data_dir: state\n", nil, nil, func(c *Config) string { return c.Database }, "sqlite:" + in("state/noren.db")},
		{"ACME cache derived from the data dir", "", nil, nil, func(c *Config) string { return c.TLS.ACME.CacheDir }, in("noren-data/acme")},
		{"sqlite database", "database: sqlite:db/noren.db\n", nil, nil, func(c *Config) string { return c.Database }, "sqlite:" + in("db/noren.db")},
		{"sqlite database with options", "database: sqlite:noren.db?synchronous=full\n", nil, nil, func(c *Config) string { return c.Database }, "sqlite:" + in("noren.db") + "?synchronous=full"},
		{"bare sqlite database", "database: noren.sqlite3\n", nil, nil, func(c *Config) string { return c.Database }, in("noren.sqlite3")},
		{"in-memory database", "database: \"sqlite::memory:\"\n", nil, nil, func(c *Config) string { return c.Database }, "sqlite::memory:"},
		{"postgres database", "database: postgres://noren@127.0.0.1/noren\n", nil, nil, func(c *Config) string { return c.Database }, "postgres://noren@127.0.0.1/noren"},
		{"analytics database", "analytics:\n  database: sqlite:events.db\n", nil, nil, func(c *Config) string { return c.Analytics.Database }, "sqlite:" + in("events.db")},
		{"countries database", "analytics:\n  countries_db: geo/countries.mmdb\n", nil, nil, func(c *Config) string { return c.Analytics.CountriesDB }, in("geo/countries.mmdb")},
		{"TLS certificate", "tls:\n  cert: tls/cert.pem\n  key: tls/key.pem\n", nil, nil, func(c *Config) string { return c.TLS.Cert + " " + c.TLS.Key }, in("tls/cert.pem") + " " + in("tls/key.pem")},
		{"ACME cache", "tls:\n  acme:\n    cache_dir: acme\n", nil, nil, func(c *Config) string { return c.TLS.ACME.CacheDir }, in("acme")},
		{"vault key file", "vault:\n  key_file: keys/vault.keys\n", nil, nil, func(c *Config) string { return c.Vault.KeyFile }, in("keys/vault.keys")},
		{"access log", "log:\n  access_file: logs/access.log\n", nil, nil, func(c *Config) string { return c.Log.AccessFile }, in("logs/access.log")},
		{"audit anchor files", "audit:\n  anchor_key_file: anchor.key\n  anchor_file: anchors.jsonl\n", nil, nil,
			func(c *Config) string { return c.Audit.AnchorKeyFile + " " + c.Audit.AnchorFile }, in("anchor.key") + " " + in("anchors.jsonl")},
		{"absolute path", "site:\n  root: " + abs + "\n", nil, nil, func(c *Config) string { return c.Site.Root }, abs},
		{"environment stays with the working directory", "site:\n  root: public\n", []string{"NOREN_SITE_ROOT=./from-env"}, nil, func(c *Config) string { return c.Site.Root }, "./from-env"},
		{"environment data dir", "", []string{"NOREN_DATA_DIR=state"}, nil, func(c *Config) string { return c.Database }, "sqlite:" + filepath.Join("state", "noren.db")},
		{"flag stays with the working directory", "manifest: manifest.yaml\n", nil, []string{"--manifest", "other.yaml"}, func(c *Config) string { return c.Manifest }, "other.yaml"},
		{"not a path", "site:\n  upstream: http://127.0.0.1:3000/base\n", nil, nil, func(c *Config) string { return c.Site.Upstream }, "http://127.0.0.1:3000/base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "noren.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			flags := RegisterFlags(fs)
			if err := fs.Parse(append([]string{"--config", path}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			c, err := flags.Load(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.got(c); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPathsFromTheWorkingDirectoryFile checks that a file in the working
// directory (the default noren.yaml) keeps its paths as written.
func TestPathsFromTheWorkingDirectoryFile(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile(DefaultFile, []byte("site:\n  root: ./public\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(DefaultFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Site.Root != "./public" || c.DataDir != "./noren-data" {
		t.Errorf("site.root %q, data_dir %q: want them as written", c.Site.Root, c.DataDir)
	}
}

// TestPathKeysAreMarked guards against a new key that names a file but is
// not anchored to the configuration file's folder: keys whose names say
// they hold a file or folder must carry the path tag.
func TestPathKeysAreMarked(t *testing.T) {
	for _, k := range Default().keys() {
		name := k.path[strings.LastIndex(k.path, ".")+1:]
		looksLikePath := strings.HasSuffix(name, "_file") || strings.HasSuffix(name, "_dir") ||
			strings.HasSuffix(name, "_db") || name == "root" || name == "cert" || name == "key" || name == "manifest"
		if looksLikePath && k.names == "" {
			t.Errorf("%s looks like a path but has no path:\"file\" tag", k.path)
		}
		switch k.names {
		case "", "file", "dsn":
		default:
			t.Errorf("%s: unknown path tag %q", k.path, k.names)
		}
	}
}
