//go:build unix

package store_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/noren-web/noren/internal/store"
)

// The database files are for their owner only, whatever the umask lets
// SQLite create, and a database made with looser modes is tightened when
// it is opened.
func TestSQLiteFileModes(t *testing.T) {
	// The usual umask, under which SQLite alone creates files 0644.
	defer syscall.Umask(syscall.Umask(0o022))

	tests := []struct {
		name string
		// before prepares the folder before the database is opened.
		before func(t *testing.T, path string)
	}{
		{name: "new database"},
		{name: "database made readable by all", before: func(t *testing.T, path string) {
			for _, name := range []string{path, path + "-wal"} {
				if err := os.WriteFile(name, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "noren.db")
			if tt.before != nil {
				tt.before(t, path)
			}
			db, err := store.Open(t.Context(), "sqlite:"+path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			if _, err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			// A read on the reader pool, so every connection has opened
			// the shared-memory file.
			var n int
			if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{path, path + "-wal", path + "-shm"} {
				info, err := os.Stat(name)
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(name), err)
				}
				if perm := info.Mode().Perm(); perm != 0o600 {
					t.Errorf("%s has mode %04o, want 0600", filepath.Base(name), perm)
				}
			}
		})
	}
}
