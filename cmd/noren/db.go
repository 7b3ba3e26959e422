package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/store"
)

// openConfigured loads the configuration the command's flags point at and
// opens its database as openDatabase does.
func openConfigured(ctx context.Context, env *environment, flags *config.Flags) (*config.Config, *store.DB, error) {
	cfg, err := flags.Load(env.getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// openDatabase opens the configured database for a command other than
// serve, applying pending migrations when the configuration allows it so
// that commands work on a fresh data folder.
func openDatabase(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if path, ok := strings.CutPrefix(cfg.Database, "sqlite:"); ok {
		// The folder of the database file, which need not be the data
		// folder when -database names another.
		path, _, _ = strings.Cut(path, "?")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("data folder %s: %w", dir, err)
			}
		}
	}
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	if cfg.MigrateOnStart {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		return db, nil
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if len(pending) > 0 {
		db.Close()
		return nil, fmt.Errorf("the database lacks %d migration(s) (%s); run noren migrate first", len(pending), strings.Join(pending, ", "))
	}
	return db, nil
}
