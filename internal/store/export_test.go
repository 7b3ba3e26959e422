package store

import (
	"context"
	"io/fs"
)

// MigrateFS runs Migrate with the migrations in the root of fsys instead of
// the embedded ones.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	return db.MigrateSet(ctx, MigrationSet{FS: fsys, Dir: ".", Table: "schema_migrations"})
}

// PendingMigrationsFS runs PendingMigrations with the migrations in the root
// of fsys instead of the embedded ones.
func (db *DB) PendingMigrationsFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	return db.PendingSet(ctx, MigrationSet{FS: fsys, Dir: ".", Table: "schema_migrations"})
}
