package browsertest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/noren-web/noren/internal/testenv"
)

// AxeEnv names the axe-core script (axe.min.js) the accessibility checks
// load into pages, overriding the cache folder scripts/test.sh installs it
// in.
const AxeEnv = "NOREN_AXE"

// axeCachePath is where scripts/test.sh installs axe-core, under the
// user's cache folder, from the versions pinned in scripts/a11y.
var axeCachePath = filepath.Join("noren", "a11y", "node_modules", "axe-core", "axe.min.js")

// AxeTags are the rule tags of WCAG 2.2 level AA that the checks run.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// findAxe returns the path of axe.min.js: $NOREN_AXE when set, else the
// cache folder's copy.
func findAxe() (string, error) {
	if p := os.Getenv(AxeEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: %s=%s: %w", AxeEnv, p, err)
		}
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("browsertest: find axe-core: %w", err)
	}
	p := filepath.Join(cache, axeCachePath)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", errNoAxe
		}
		return "", fmt.Errorf("browsertest: find axe-core: %w", err)
	}
	return p, nil
}

// errNoAxe is returned by findAxe when axe-core is not installed.
var errNoAxe = errors.New("browsertest: axe-core is not installed: run scripts/test.sh, or set " + AxeEnv)

// Axe returns the source of axe-core, to evaluate in a page before
// axe.run. When it is not installed Axe skips the test, or fails it when
// testenv.Required(RequireEnv), as New does for the browser.
func Axe(t testing.TB) string {
	t.Helper()
	path, err := findAxe()
	if err != nil {
		if testenv.Required(RequireEnv) || !errors.Is(err, errNoAxe) {
			t.Fatalf("%v (the accessibility check is required here)", err)
		}
		t.Skipf("%v; skipping the accessibility check", err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("browsertest: read axe-core: %v", err)
	}
	return string(src)
}
