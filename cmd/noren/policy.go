package main

import (
	"context"
	"fmt"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/web"
)

func runPolicy(_ context.Context, env *environment, args []string) error {
	fset := newFlags(env, "policy", "render [flags]", "Renders a generated policy document from a manifest (default: the demo's).")
	lang := fset.String("lang", "ja", "language: ja or en")
	format := fset.String("format", "html", "format: html or md")
	doc := fset.String("doc", "privacy", "document: privacy or cookies")
	path := fset.String("manifest", "", "manifest file (default: the bundled demo manifest)")
	if len(args) == 0 || (args[0] != "render" && args[0] != "-h" && args[0] != "--help") {
		fset.Usage()
		return errUsage
	}
	if args[0] == "render" {
		args = args[1:]
	}
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if *path != "" {
		m, err = manifest.Load(*path)
	}
	if err != nil {
		return fmt.Errorf("invalid manifest:\n%w", err)
	}
	d, err := policy.ParseDocument(*doc)
	if err != nil {
		return err
	}
	f, err := policy.ParseFormat(*format)
	if err != nil {
		return err
	}
	return policy.Render(env.stdout, m, *lang, d, f)
}
