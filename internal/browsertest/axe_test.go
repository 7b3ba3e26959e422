package browsertest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAxe checks where the accessibility checks find axe-core, and that a
// missing copy skips the check on a developer's machine but fails it where
// a real check is required.
func TestAxe(t *testing.T) {
	installed := filepath.Join(t.TempDir(), "axe.min.js")
	if err := os.WriteFile(installed, []byte("window.axe = {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	cached := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(cached, axeCachePath)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cached, axeCachePath), []byte("window.axe = {cached: true};"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		outcome string // "" when the source is returned
		want    string
	}{
		{"named by the environment", map[string]string{AxeEnv: installed}, "", "window.axe = {};"},
		{"in the cache folder", map[string]string{"XDG_CACHE_HOME": cached}, "", "window.axe = {cached: true};"},
		{"missing on a developer machine", map[string]string{"XDG_CACHE_HOME": t.TempDir()}, "skipped", ""},
		{"missing in CI", map[string]string{"XDG_CACHE_HOME": t.TempDir(), "CI": "true"}, "failed", ""},
		{"missing in CI=1", map[string]string{"XDG_CACHE_HOME": t.TempDir(), "CI": "1"}, "failed", ""},
		{"missing when required", map[string]string{"XDG_CACHE_HOME": t.TempDir(), RequireEnv: "1"}, "failed", ""},
		{"environment names nothing", map[string]string{AxeEnv: filepath.Join(cached, "none.js")}, "failed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{AxeEnv, "CI", RequireEnv} {
				t.Setenv(name, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			o := &outcomeTB{TB: t}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = Axe(o)
			}()
			<-done
			if o.outcome != tt.outcome || got != tt.want {
				t.Errorf("Axe: outcome %q (%s), source %q; want outcome %q, source %q", o.outcome, o.message, got, tt.outcome, tt.want)
			}
		})
	}
}
