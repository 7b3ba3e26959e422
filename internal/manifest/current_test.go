package manifest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCurrentReload(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	orig := mustRead(t, "testdata/minimal.yaml")
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCurrent(m, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var seen []string
	c.OnChange(func(_ context.Context, m *Manifest) { seen = append(seen, m.Hash()) })

	if changed, err := c.Reload(ctx); err != nil || changed {
		t.Fatalf("reload of the same file: changed %v, err %v", changed, err)
	}

	broken := strings.Replace(string(orig), "section:", "sektion:", 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reload(ctx); err == nil {
		t.Fatal("an invalid manifest was accepted")
	}
	if c.Get() != m {
		t.Fatal("an invalid manifest replaced the one in force")
	}

	edited := strings.Replace(string(orig), "Encryption", "Encryption at rest", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := c.Reload(ctx)
	if err != nil || !changed {
		t.Fatalf("edit not taken: changed %v, err %v", changed, err)
	}
	if c.Get().Hash() == m.Hash() || len(seen) != 1 || seen[0] != c.Get().Hash() {
		t.Errorf("after edit: hash %s, callbacks %v", c.Get().Hash(), seen)
	}
}

func TestCurrentReloadIfChanged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	orig := mustRead(t, "testdata/minimal.yaml")
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCurrent(m, path, slog.New(slog.DiscardHandler))
	changes := 0
	c.OnChange(func(context.Context, *Manifest) { changes++ })

	// Each step writes a file of another size, so that the change shows
	// however coarse the file system's modification times are.
	for _, step := range []struct {
		name    string
		write   string // "" leaves the file as it is
		wantErr bool
		changes int
	}{
		{"untouched", "", false, 0},
		{"edited", strings.Replace(string(orig), "Encryption", "Encryption at rest", 1), false, 1},
		{"looked at again", "", false, 1},
		{"broken", strings.Replace(string(orig), "section:", "sections:", 1), true, 1},
		{"broken, not tried again", "", false, 1},
		{"mended", strings.Replace(string(orig), "Encryption", "Encryption in transit", 1), false, 2},
	} {
		if step.write != "" {
			if err := os.WriteFile(path, []byte(step.write), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		err := c.ReloadIfChanged(ctx)
		if (err != nil) != step.wantErr || changes != step.changes {
			t.Errorf("%s: err %v, %d changes; want error %v, %d changes", step.name, err, changes, step.wantErr, step.changes)
		}
	}

	embedded := NewCurrent(m, "", slog.New(slog.DiscardHandler))
	if err := embedded.ReloadIfChanged(ctx); err != nil {
		t.Errorf("a manifest without a file: %v", err)
	}
}

// TestCurrentAccept checks that a changed manifest that Accept's function
// refuses stays out of force, and that one it passes comes in.
func TestCurrentAccept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	orig := mustRead(t, "testdata/minimal.yaml")
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCurrent(m, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	refuse := errors.New("refused")
	c.Accept(func(next *Manifest) error {
		if strings.Contains(next.Security.Measures[0].In("en"), "refuse") {
			return refuse
		}
		return nil
	})
	for _, tt := range []struct {
		measure string
		err     error
	}{
		{"Encryption that we refuse", refuse},
		{"Encryption at rest", nil},
	} {
		edited := strings.Replace(string(orig), "Encryption", tt.measure, 1)
		if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		before := c.Get()
		changed, err := c.Reload(ctx)
		if !errors.Is(err, tt.err) || changed != (tt.err == nil) || (c.Get() == before) != (tt.err != nil) {
			t.Errorf("%s: changed %v, err %v, want err %v", tt.measure, changed, err, tt.err)
		}
	}
}
