package config

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DefaultFile is the configuration file read when none is named and it
// exists in the working directory.
const DefaultFile = "noren.yaml"

// flagSpec ties a command-line flag to the key it overrides.
type flagSpec struct {
	name  string
	key   string
	usage string
	mode  string // site.mode the flag implies, if any
}

// flagSpecs lists the flags for the keys set most often from the command
// line.
func flagSpecs() []flagSpec {
	return []flagSpec{
		{name: "listen", key: "listen", usage: "address to listen on"},
		{name: "addr", key: "listen", usage: "same as -listen"},
		{name: "data", key: "data_dir", usage: "folder for the database and other state"},
		{name: "database", key: "database", usage: "database: sqlite:PATH or a postgres:// URL"},
		{name: "manifest", key: "manifest", usage: "privacy manifest file"},
		{name: "vault-key-file", key: "vault.key_file", usage: "key file of the personal-data vault"},
		{name: "site-root", key: "site.root", usage: "folder to serve; implies site.mode static", mode: "static"},
		{name: "upstream", key: "site.upstream", usage: "URL to pass requests to; implies site.mode proxy", mode: "proxy"},
		{name: "tls-cert", key: "tls.cert", usage: "TLS certificate file (PEM)"},
		{name: "tls-key", key: "tls.key", usage: "TLS private key file (PEM)"},
		{name: "trusted-proxies", key: "trusted_proxies", usage: "comma-separated CIDRs whose X-Forwarded-For is believed"},
		{name: "log-level", key: "log.level", usage: "log level: debug, info, warn or error"},
		{name: "log-format", key: "log.format", usage: "log format: text or json"},
	}
}

// Flags are the command-line flags that override configuration keys. A
// flag overrides only when it is given on the command line, so its empty
// default never hides a value from the file or the environment.
type Flags struct {
	fs     *flag.FlagSet
	config string
}

// RegisterFlags defines the configuration flags on fs: -config and one flag
// for each common key (-listen or -addr, -data, -database, -manifest,
// -site-root, -upstream, -tls-cert, -tls-key, -trusted-proxies, -log-level,
// -log-format). Call Load on the result after fs.Parse.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.StringVar(&f.config, "config", "", "configuration `file` (env NOREN_CONFIG; default "+DefaultFile+" when present)")
	defaults := map[string]key{}
	for _, k := range Default().keys() {
		defaults[k.path] = k
	}
	for _, spec := range flagSpecs() {
		def, derived := derivedDefault(spec.key)
		if !derived {
			def = formatValue(defaults[spec.key].value)
		}
		usage := fmt.Sprintf("%s (key %s, env %s", spec.usage, spec.key, envName(spec.key))
		if def != `""` {
			usage += "; default " + def
		}
		fs.String(spec.name, "", usage+")")
	}
	return f
}

// ConfigPath returns the configuration file to read: the -config flag when
// given, else NOREN_CONFIG from env, else DefaultFile when it exists, else
// "" for none.
func (f *Flags) ConfigPath(env []string) string {
	if f.config != "" {
		return f.config
	}
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "NOREN_CONFIG="); ok && v != "" {
			return v
		}
	}
	if _, err := os.Stat(DefaultFile); !errors.Is(err, fs.ErrNotExist) {
		return DefaultFile
	}
	return ""
}

// Load reads the configuration as the package-level Load does, from the
// file ConfigPath names, and then applies the flags that were set.
func (f *Flags) Load(env []string) (*Config, error) {
	return load(f.ConfigPath(env), env, f)
}

// apply sets the keys of the flags given on the command line.
func (f *Flags) apply(c *Config) Problems {
	specs := map[string]flagSpec{}
	for _, s := range flagSpecs() {
		specs[s.name] = s
	}
	keys := map[string]key{}
	for _, k := range c.keys() {
		keys[k.path] = k
	}
	var probs Problems
	setBy := map[string]string{}
	modeBy := ""
	f.fs.Visit(func(fl *flag.Flag) {
		spec, ok := specs[fl.Name]
		if !ok {
			return
		}
		if other, dup := setBy[spec.key]; dup {
			probs = append(probs, fmt.Sprintf("-%s and -%s both set %s: give one", other, fl.Name, spec.key))
			return
		}
		setBy[spec.key] = fl.Name
		if err := setText(keys[spec.key].value, fl.Value.String()); err != nil {
			probs = append(probs, fmt.Sprintf("-%s (%s): %v", fl.Name, spec.key, err))
			return
		}
		if spec.mode != "" {
			if modeBy != "" {
				probs = append(probs, fmt.Sprintf("-%s and -%s choose different site modes: give one", modeBy, fl.Name))
				return
			}
			modeBy = fl.Name
			c.Site.Mode = spec.mode
		}
	})
	return probs
}
