package store

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	abs := func(p string) string {
		t.Helper()
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		dsn         string
		dialect     Dialect
		path        string
		memory      bool
		synchronous string
	}{
		{dsn: "sqlite:/var/lib/noren/noren.db", dialect: SQLite, path: "/var/lib/noren/noren.db", synchronous: "NORMAL"},
		{dsn: "sqlite:data/noren", dialect: SQLite, path: abs("data/noren"), synchronous: "NORMAL"},
		{dsn: "/var/lib/noren/noren.db", dialect: SQLite, path: "/var/lib/noren/noren.db", synchronous: "NORMAL"},
		{dsn: "noren.sqlite", dialect: SQLite, path: abs("noren.sqlite"), synchronous: "NORMAL"},
		{dsn: "noren.sqlite3", dialect: SQLite, path: abs("noren.sqlite3"), synchronous: "NORMAL"},
		{dsn: "sqlite:/x/noren.db?synchronous=full", dialect: SQLite, path: "/x/noren.db", synchronous: "FULL"},
		{dsn: "noren.db?synchronous=NORMAL", dialect: SQLite, path: abs("noren.db"), synchronous: "NORMAL"},
		{dsn: "sqlite::memory:", dialect: SQLite, path: ":memory:", memory: true, synchronous: "NORMAL"},
		{dsn: "postgres://noren@127.0.0.1:5433/noren?sslmode=disable", dialect: Postgres},
		{dsn: "postgresql://noren@127.0.0.1/noren", dialect: Postgres},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			cfg, err := parseDSN(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.dialect != tt.dialect || cfg.path != tt.path || cfg.memory != tt.memory || cfg.synchronous != tt.synchronous {
				t.Errorf("got %+v", cfg)
			}
			if tt.dialect == Postgres && cfg.postgres != tt.dsn {
				t.Errorf("postgres DSN = %q, want %q", cfg.postgres, tt.dsn)
			}
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct {
		dsn, wantErr string
	}{
		{"", "want sqlite:PATH"},
		{"noren.txt", "want sqlite:PATH"},
		{"mysql://root@localhost/noren", "want sqlite:PATH"},
		{"sqlite:", "no SQLite file"},
		{"sqlite:?synchronous=full", "no SQLite file"},
		{"sqlite:noren.db?synchronous=off", "want normal or full"},
		{"sqlite:noren.db?synchronous=full&synchronous=normal", "given 2 times"},
		{"sqlite:noren.db?journal_mode=delete", "unknown option"},
		{"sqlite:noren.db?%zz", "options"},
		{"sqlite:a\x00b.db", "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			_, err := parseDSN(tt.dsn)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseDSN(%q) error = %v, want one containing %q", tt.dsn, err, tt.wantErr)
			}
		})
	}
}

func TestParseDSNHidesPassword(t *testing.T) {
	_, err := parseDSN("mysql://root:hunter2@localhost/noren")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v, want one without the password", err)
	}
}

func TestSQLiteDriverDSN(t *testing.T) {
	cfg, err := parseDSN("sqlite:/srv/my data/noren?.db?synchronous=full")
	if err == nil {
		t.Fatalf("a '?' in the path must start the options, got %+v", cfg)
	}
	cfg, err = parseDSN("sqlite:/srv/my data#1/noren.db")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.sqliteDriverDSN(false)
	for _, want := range []string{"file:///srv/my%20data%231/noren.db?", "_journal_mode=WAL", "_foreign_keys=1", "_synchronous=NORMAL", "_txlock=immediate", "_busy_timeout=10000"} {
		if !strings.Contains(got, want) {
			t.Errorf("writer DSN %q lacks %q", got, want)
		}
	}
	if got := cfg.sqliteDriverDSN(true); !strings.Contains(got, "_query_only=1") {
		t.Errorf("reader DSN %q is not read-only", got)
	}
}

// FuzzParseDSN checks that any DSN either parses into a usable
// configuration or fails with an error, never a panic.
func FuzzParseDSN(f *testing.F) {
	for _, seed := range []string{
		"sqlite:/var/lib/noren/noren.db?synchronous=full",
		"noren.db",
		"sqlite::memory:",
		"postgres://noren:secret@127.0.0.1:5433/noren?sslmode=disable",
		"sqlite:noren.db?synchronous=full&synchronous=normal",
		"sqlite:%zz?%zz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := parseDSN(dsn)
		if err != nil {
			return
		}
		switch cfg.dialect {
		case Postgres:
			if cfg.postgres != dsn {
				t.Fatalf("postgres DSN changed: %q -> %q", dsn, cfg.postgres)
			}
		case SQLite:
			if cfg.path == "" || (cfg.synchronous != "NORMAL" && cfg.synchronous != "FULL") {
				t.Fatalf("parseDSN(%q) = %+v", dsn, cfg)
			}
			if !cfg.memory && !filepath.IsAbs(cfg.path) {
				t.Fatalf("parseDSN(%q): path %q is not absolute", dsn, cfg.path)
			}
			cfg.sqliteDriverDSN(false)
		default:
			t.Fatalf("parseDSN(%q): dialect %v", dsn, cfg.dialect)
		}
	})
}
