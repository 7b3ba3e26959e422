package cookiedb

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/noren-web/noren/internal/testenv"
)

// requireRealDBEnv makes a missing Open Cookie Database fail the tests
// instead of skipping them. CI alone does not: the file lies outside the
// repository, beside it, where a fresh machine may not have it.
const requireRealDBEnv = "NOREN_REQUIRE_COOKIE_DB"

// realDBPath is where the Open Cookie Database lies relative to the
// module's root; the repository keeps no copy.
var realDBPath = filepath.Join("..", "shared", "data", "open-cookie-database", "open-cookie-database.csv")

// realDB opens the Open Cookie Database beside the module, or skips.
func realDB(tb testing.TB) *DB {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(root, realDBPath)
	if _, err := os.Stat(path); err != nil {
		if testenv.On(requireRealDBEnv) {
			tb.Fatalf("the Open Cookie Database is required: %v", err)
		}
		tb.Skipf("no Open Cookie Database: %v", err)
	}
	db, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// moduleRoot is the nearest folder above the working one with a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", os.ErrNotExist
		}
		dir = up
	}
}

func TestRealDatabase(t *testing.T) {
	db := realDB(t)
	if db.Len() < 1000 {
		t.Errorf("Len() = %d, want the whole database", db.Len())
	}
	tests := []struct {
		name, domain       string
		platform, category string
		wildcard           bool
	}{
		{"_ga", "example.org", "Google Analytics", "Analytics", false},
		{"_ga_ABC123", "example.org", "Google Analytics", "Analytics", true},
		{"_gid", "", "Google Analytics", "Analytics", false},
		{"_gac_UA-1234", "", "Google Analytics", "Marketing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := db.Lookup(tt.name, tt.domain)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.name)
			}
			if e.Platform != tt.platform || e.Category != tt.category || e.Wildcard != tt.wildcard {
				t.Errorf("Lookup(%q) = %s/%s wildcard=%v, want %s/%s wildcard=%v",
					tt.name, e.Platform, e.Category, e.Wildcard, tt.platform, tt.category, tt.wildcard)
			}
		})
	}
	if e, ok := db.Lookup("noren_consent", "example.org"); ok {
		t.Errorf("Lookup(noren_consent) = %+v, want none", e)
	}
}
