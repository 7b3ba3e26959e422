package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/noren-web/noren/web"
)

func runInit(_ context.Context, env *environment, args []string) error {
	flags := newFlags(env, "init", "[DIR]", "Writes a commented starter noren.yaml and the demo's manifest.yaml into DIR\n(default the current folder), for a new site. Existing files are left alone.")
	force := flags.Bool("force", false, "overwrite existing files")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	dir := "."
	if flags.NArg() > 1 {
		flags.Usage()
		return errUsage
	}
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{"noren.yaml", web.StarterConfig},
		{"manifest.yaml", web.DemoManifest},
	}
	// Check every file first so that a refusal writes nothing at all.
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if _, err := os.Stat(path); err == nil && !*force {
			return fmt.Errorf("%s exists; keep it, or run with -force to overwrite it", path)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", path, err)
		}
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if _, err := fh.Write(f.data); err != nil {
			fh.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := fh.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", path)
	}
	fmt.Fprintf(env.stdout, "\nNext: edit manifest.yaml to describe your site, check it with\n  noren check %s\nand serve with\n  noren serve --config %s\n",
		filepath.Join(dir, "manifest.yaml"), filepath.Join(dir, "noren.yaml"))
	return nil
}
