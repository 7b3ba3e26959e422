package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/noren-web/noren/internal/manifest"
)

func runCheck(_ context.Context, env *environment, args []string) error {
	fs := newFlags(env, "check", "[FILE]", "Validates a privacy manifest (default manifest.yaml) and lists every problem as\nfile:line: path.to.field: message. Exits 1 when there is any.")
	quiet := fs.Bool("q", false, "print nothing when the manifest is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path := "manifest.yaml"
	switch fs.NArg() {
	case 0:
	case 1:
		path = fs.Arg(0)
	default:
		fs.Usage()
		return errUsage
	}
	m, err := manifest.Load(path)
	var ps manifest.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(env.stdout, ps.Error())
		fmt.Fprintf(env.stderr, "%s: %d problem(s)\n", path, len(ps))
		return exitError{1}
	}
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(env.stdout, "%s: valid; policy version %s\n", path, m.VersionLabel())
	}
	return nil
}
