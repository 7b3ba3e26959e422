package store

import (
	"context"
	"io/fs"
)

// MigrateFS runs Migrate with the migrations in the root of fsys instead of
// the embedded ones.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	return db.migrate(ctx, fsys, ".")
}

// PendingMigrationsFS runs PendingMigrations with the migrations in the root
// of fsys instead of the embedded ones.
func (db *DB) PendingMigrationsFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	return db.pendingMigrations(ctx, fsys, ".")
}
