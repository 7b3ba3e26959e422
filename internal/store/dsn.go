package store

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// dsnConfig is a parsed Open argument.
type dsnConfig struct {
	dialect  Dialect
	postgres string // the DSN as given, for pgx

	path        string // SQLite file, absolute
	memory      bool   // SQLite :memory:
	synchronous string // SQLite PRAGMA synchronous: NORMAL or FULL
}

const sqlitePrefix = "sqlite:"

// parseDSN tells the dialect from the form of dsn and checks the options
// Noren understands; see Open for the accepted forms.
func parseDSN(dsn string) (dsnConfig, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return dsnConfig{dialect: Postgres, postgres: dsn}, nil
	case strings.HasPrefix(dsn, sqlitePrefix):
		return parseSQLiteDSN(dsn, strings.TrimPrefix(dsn, sqlitePrefix))
	case hasSQLiteExtension(dsn):
		return parseSQLiteDSN(dsn, dsn)
	}
	return dsnConfig{}, fmt.Errorf("store: database %q: want sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, or a postgres:// URL", redactDSN(dsn))
}

func hasSQLiteExtension(dsn string) bool {
	path, _, _ := strings.Cut(dsn, "?")
	switch filepath.Ext(path) {
	case ".db", ".sqlite", ".sqlite3":
		return true
	}
	return false
}

// parseSQLiteDSN parses "PATH[?options]". A '?' always starts the options, so
// a path cannot contain one.
func parseSQLiteDSN(dsn, rest string) (dsnConfig, error) {
	path, rawOptions, _ := strings.Cut(rest, "?")
	cfg := dsnConfig{dialect: SQLite, synchronous: "NORMAL"}
	switch {
	case path == "":
		return dsnConfig{}, fmt.Errorf("store: database %q: no SQLite file named", dsn)
	case path == ":memory:":
		cfg.memory = true
		cfg.path = path
	case strings.ContainsRune(path, 0):
		return dsnConfig{}, fmt.Errorf("store: database %q: NUL in file name", dsn)
	default:
		abs, err := filepath.Abs(path)
		if err != nil {
			return dsnConfig{}, fmt.Errorf("store: database %q: %w", dsn, err)
		}
		cfg.path = abs
	}

	options, err := url.ParseQuery(rawOptions)
	if err != nil {
		return dsnConfig{}, fmt.Errorf("store: database %q: options: %w", dsn, err)
	}
	for key, values := range options {
		if key != "synchronous" {
			return dsnConfig{}, fmt.Errorf("store: database %q: unknown option %q (known: synchronous)", dsn, key)
		}
		if len(values) != 1 {
			return dsnConfig{}, fmt.Errorf("store: database %q: option %q given %d times", dsn, key, len(values))
		}
		switch v := strings.ToUpper(values[0]); v {
		case "NORMAL", "FULL":
			cfg.synchronous = v
		default:
			return dsnConfig{}, fmt.Errorf("store: database %q: synchronous=%q: want normal or full", dsn, values[0])
		}
	}
	return cfg, nil
}

// sqliteDriverDSN is the DSN for modernc.org/sqlite. Every connection gets
// the same settings; readOnly ones refuse writes outright.
func (c dsnConfig) sqliteDriverDSN(readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", c.synchronous)
	// Transactions take the write lock when they begin: a deferred one
	// that reads first and writes later can fail with SQLITE_BUSY at once,
	// without the busy timeout, when another process wrote in between.
	q.Set("_txlock", "immediate")
	// Times without a zone read as UTC and all times scan in UTC.
	q.Set("_timezone", "UTC")
	if readOnly {
		q.Set("_query_only", "1")
	} else if !c.memory {
		q.Set("_journal_mode", "WAL")
	}
	if c.memory {
		return ":memory:?" + q.Encode()
	}
	// A file: URI keeps any character in the path (even '?' or '#') apart
	// from the parameters.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(c.path), RawQuery: q.Encode()}
	return u.String()
}

// redactDSN hides a password in a URL-shaped DSN so it can go into an error.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	switch {
	case err != nil && strings.Contains(dsn, "@"):
		return "(unparsable URL)"
	case err != nil || u.User == nil:
		return dsn
	}
	return u.Redacted()
}
