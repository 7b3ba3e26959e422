package main

import (
	"context"
	"fmt"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "migrate", "[flags]", "Applies pending storage migrations to the database of -config (or of the demo\ndata folder given with -data).")
	flags := config.RegisterFlags(fset)
	status := fset.Bool("status", false, "list pending migrations without applying them")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, err := flags.Load(env.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	adb := db
	if cfg.Analytics.Backend == "database" && db.Path() != "" || cfg.Analytics.Database != "" {
		if adb, err = store.Open(ctx, analyticsDSN(cfg, db)); err != nil {
			return fmt.Errorf("analytics database: %w", err)
		}
		defer adb.Close()
	}
	if *status {
		pending, err := db.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		apending, err := analytics.PendingMigrations(ctx, adb)
		if err != nil {
			return err
		}
		pending = append(pending, apending...)
		if len(pending) == 0 {
			fmt.Fprintln(env.stdout, "up to date")
		}
		for _, name := range pending {
			fmt.Fprintf(env.stdout, "pending %s\n", name)
		}
		return nil
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	aapplied, err := analytics.Migrate(ctx, adb)
	if err != nil {
		return err
	}
	applied = append(applied, aapplied...)
	for _, name := range applied {
		fmt.Fprintf(env.stdout, "applied %s\n", name)
	}
	fmt.Fprintf(env.stdout, "%s: up to date (%d applied now)\n", db.Dialect(), len(applied))
	return nil
}
