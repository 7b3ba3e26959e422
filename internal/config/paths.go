package config

import (
	"path/filepath"
	"strings"
)

// anchorPaths makes the relative paths among the keys that name files or
// folders (tagged path:"file" or path:"dsn") relative to dir, the folder
// of the configuration file, rather than to the working directory. It runs
// after the file is read and before the environment and the flags, whose
// paths stay relative to the working directory; the defaults it finds
// (data_dir) are anchored too, so that uncommenting a default in the file
// changes nothing.
func (c *Config) anchorPaths(dir string) {
	if dir == "" || dir == "." {
		return
	}
	for _, k := range c.keys() {
		switch k.names {
		case "file":
			k.value.SetString(anchorPath(dir, k.value.String()))
		case "dsn":
			k.value.SetString(anchorDSN(dir, k.value.String()))
		}
	}
}

// anchorPath joins a relative path to dir. Empty stays empty: it means
// "not set" or "the default".
func anchorPath(dir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// anchorDSN anchors the file of a SQLite DSN ("sqlite:PATH[?options]" or a
// bare "PATH.db[?options]"); a PostgreSQL URL and an in-memory database
// name no file and are returned as they are.
func anchorDSN(dir, dsn string) string {
	prefix, rest := "", dsn
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		prefix, rest = "sqlite:", strings.TrimPrefix(dsn, "sqlite:")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return dsn
	}
	path, options, hasOptions := strings.Cut(rest, "?")
	if path == "" || path == ":memory:" {
		return dsn
	}
	if prefix == "" {
		switch filepath.Ext(path) {
		case ".db", ".sqlite", ".sqlite3":
		default:
			// Not a DSN the store reads; validation says so with the
			// value as written.
			return dsn
		}
	}
	out := prefix + anchorPath(dir, path)
	if hasOptions {
		out += "?" + options
	}
	return out
}
