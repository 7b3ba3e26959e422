package manifest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Current holds the manifest in force. Readers call Get on every request;
// a reload swaps the pointer atomically, so a request sees either the old or
// the new manifest, never a mix.
type Current struct {
	m    atomic.Pointer[Manifest]
	mu   sync.Mutex // serialises reloads; guards seen
	path string
	log  *slog.Logger
	// onChange runs after a new manifest is in force.
	onChange func(ctx context.Context, m *Manifest)
	// accept vets a changed manifest before it comes into force.
	accept func(m *Manifest) error
	// seen is the file's stamp when ReloadIfChanged last looked at it.
	seen fileStamp
}

// NewCurrent returns a holder of m. path is the file reloads read; empty for
// a manifest that is not backed by a file (the demo's embedded one).
func NewCurrent(m *Manifest, path string, log *slog.Logger) *Current {
	c := &Current{path: path, log: log}
	if path != "" {
		c.seen = stamp(path)
	}
	c.m.Store(m)
	return c
}

// Get returns the manifest in force.
func (c *Current) Get() *Manifest { return c.m.Load() }

// OnChange sets a function to run each time a changed manifest comes into
// force, such as recording a new policy version.
func (c *Current) OnChange(fn func(ctx context.Context, m *Manifest)) {
	c.mu.Lock()
	c.onChange = fn
	c.mu.Unlock()
}

// Accept sets a function a changed manifest must pass before it comes
// into force, such as a check of its claims against the configuration;
// its error refuses the manifest as a problem in the file does.
func (c *Current) Accept(fn func(m *Manifest) error) {
	c.mu.Lock()
	c.accept = fn
	c.mu.Unlock()
}

// Reload re-reads the manifest file. An invalid file leaves the manifest in
// force untouched and returns its problems, so a typo saved in production
// never takes the policy pages down. It reports whether the manifest changed.
func (c *Current) Reload(ctx context.Context) (bool, error) {
	if c.path == "" {
		return false, errors.New("manifest: no file to reload")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := Load(c.path)
	if err != nil {
		return false, err
	}
	if m.Hash() == c.Get().Hash() {
		return false, nil
	}
	if c.accept != nil {
		if err := c.accept(m); err != nil {
			return false, err
		}
	}
	c.m.Store(m)
	c.log.Info("manifest changed", "file", c.path, "version", m.VersionLabel())
	if c.onChange != nil {
		c.onChange(ctx, m)
	}
	return true, nil
}

// ReloadIfChanged reloads the manifest when its file's modification time
// or size has changed since it last looked, as a periodic check does. A
// change that is refused is not tried again until the file changes again.
func (c *Current) ReloadIfChanged(ctx context.Context) error {
	if c.path == "" {
		return nil
	}
	s := stamp(c.path)
	c.mu.Lock()
	changed := s != c.seen
	c.seen = s
	c.mu.Unlock()
	if !changed {
		return nil
	}
	if _, err := c.Reload(ctx); err != nil {
		return fmt.Errorf("manifest %s: reload refused; the previous manifest stays in force: %w", c.path, err)
	}
	return nil
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}
