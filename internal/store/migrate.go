package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	//go:embed migrations/*.sql
	migrationFiles embed.FS

	//go:embed queries/*.sql
	queryFiles embed.FS
)

// migrationLockKey names Noren's PostgreSQL advisory lock for migrations
// ("norenmig" in ASCII).
const migrationLockKey int64 = 0x6e6f72656e6d6967

// migrationName is the identity of a migration: its date, its sequence
// number within that day, and a few words.
var migrationName = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})-([0-9]+)-[a-z0-9]+(?:-[a-z0-9]+)*$`)

// migration is one schema change, with its SQL for the dialect at hand.
type migration struct {
	name string
	date string
	seq  int
	sql  string
}

// Migrate applies, in order, every migration the database does not have
// yet, each in a transaction of its own, and returns the names of those it
// applied. Running it again applies nothing. Concurrent calls, from this
// process or others, apply each migration once: on PostgreSQL they take an
// advisory lock, on SQLite the write lock.
//
// If the database records a migration this binary lacks it applies nothing
// and returns an error matching ErrUnknownMigration. When a migration fails
// the error names it, and the returned names are those applied before it.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	return db.MigrateSet(ctx, mainMigrations)
}

// PendingMigrations returns the names of the migrations Migrate would
// apply, without changing the database.
func (db *DB) PendingMigrations(ctx context.Context) ([]string, error) {
	return db.PendingSet(ctx, mainMigrations)
}

// MigrationSet is a folder of migrations that are applied together and
// recorded in a table of their own, so that a capability whose tables may
// live in a database of their own (analytics) migrates that database
// without the rest of Noren's schema, and beside it when they share one.
type MigrationSet struct {
	// FS and Dir hold the migration files, named as loadMigrations wants.
	FS  fs.FS
	Dir string
	// Table records the applied migrations; it must match [a-z_]+.
	Table string
}

// mainMigrations are the migrations of Noren's database.
var mainMigrations = MigrationSet{FS: migrationFiles, Dir: "migrations", Table: "schema_migrations"}

var migrationTable = regexp.MustCompile(`^[a-z_]+$`)

// MigrateSet applies the pending migrations of set as Migrate does.
func (db *DB) MigrateSet(ctx context.Context, set MigrationSet) ([]string, error) {
	if !migrationTable.MatchString(set.Table) {
		return nil, fmt.Errorf("store: migrations table %q: want lower-case letters and underscores", set.Table)
	}
	known, err := loadMigrations(set.FS, set.Dir, db.dialect)
	if err != nil {
		return nil, err
	}
	create, err := db.readSetQuery("create-schema-migrations", set)
	if err != nil {
		return nil, err
	}

	var pending []migration
	err = db.Tx(ctx, func(tx *Tx) error {
		if err := tx.lockMigrations(ctx); err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("store: create %s: %w", set.Table, err)
		}
		applied, err := appliedMigrations(ctx, tx, set.Table)
		if err != nil {
			return err
		}
		pending, err = unapplied(known, applied)
		return err
	})
	if err != nil {
		return nil, err
	}

	var done []string
	for _, m := range pending {
		ran, err := db.applyMigration(ctx, m, set.Table)
		if err != nil {
			return done, err
		}
		if ran {
			done = append(done, m.name)
		}
	}
	return done, nil
}

// applyMigration runs m unless another Migrate got there first, which it
// checks under the lock; ran tells whether this call applied it.
func (db *DB) applyMigration(ctx context.Context, m migration, table string) (ran bool, err error) {
	err = db.Tx(ctx, func(tx *Tx) error {
		if err := tx.lockMigrations(ctx); err != nil {
			return err
		}
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE name = $1`, m.name).Scan(&n)
		if err != nil {
			return fmt.Errorf("store: migration %s: check whether applied: %w", m.name, err)
		}
		if n > 0 {
			return nil
		}
		// Migration text goes to the driver untouched: it takes no
		// arguments, and on PostgreSQL an argument-free Exec may hold
		// several statements.
		if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (name, applied_at) VALUES ($1, $2)`, m.name, time.Now())
		if err != nil {
			return fmt.Errorf("store: migration %s: record: %w", m.name, err)
		}
		ran = true
		return nil
	})
	return ran && err == nil, err
}

// lockMigrations serialises migrations across processes on PostgreSQL until
// the transaction ends. SQLite needs nothing more: every transaction begins
// with the database's write lock.
func (tx *Tx) lockMigrations(ctx context.Context) error {
	if tx.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("store: lock for migrations: %w", err)
	}
	return nil
}

// PendingSet returns the names of the migrations of set that MigrateSet
// would apply, without changing the database.
func (db *DB) PendingSet(ctx context.Context, set MigrationSet) ([]string, error) {
	if !migrationTable.MatchString(set.Table) {
		return nil, fmt.Errorf("store: migrations table %q: want lower-case letters and underscores", set.Table)
	}
	known, err := loadMigrations(set.FS, set.Dir, db.dialect)
	if err != nil {
		return nil, err
	}
	exists, err := db.readSetQuery("schema-migrations-exists", set)
	if err != nil {
		return nil, err
	}
	var tables int
	if err := db.QueryRowContext(ctx, exists).Scan(&tables); err != nil {
		return nil, fmt.Errorf("store: look for %s: %w", set.Table, err)
	}
	var applied []string
	if tables > 0 {
		if applied, err = appliedMigrations(ctx, db, set.Table); err != nil {
			return nil, err
		}
	}
	pending, err := unapplied(known, applied)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(pending))
	for i, m := range pending {
		names[i] = m.name
	}
	return names, nil
}

// readSetQuery reads one of the bookkeeping queries, which name the
// table schema_migrations, for set's table.
func (db *DB) readSetQuery(name string, set MigrationSet) (string, error) {
	q, err := db.dialect.ReadQuery(queryFiles, "queries/"+name)
	return strings.ReplaceAll(q, "schema_migrations", set.Table), err
}

func appliedMigrations(ctx context.Context, q Querier, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM `+table+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list applied migrations: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: list applied migrations: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list applied migrations: %w", err)
	}
	return names, nil
}

// unapplied returns the known migrations missing from applied, or an
// ErrUnknownMigration error when applied holds one that is not known.
func unapplied(known []migration, applied []string) ([]migration, error) {
	done := make(map[string]bool, len(applied))
	for _, name := range applied {
		done[name] = true
	}
	var pending []migration
	for _, m := range known {
		if done[m.name] {
			delete(done, m.name)
			continue
		}
		pending = append(pending, m)
	}
	if len(done) > 0 {
		unknown := make([]string, 0, len(done))
		for name := range done {
			unknown = append(unknown, name)
		}
		sort.Strings(unknown)
		newest := "none"
		if len(known) > 0 {
			newest = known[len(known)-1].name
		}
		return nil, fmt.Errorf("%w: %s (the newest this binary has is %s); run the newer version of noren",
			ErrUnknownMigration, strings.Join(unknown, ", "), newest)
	}
	return pending, nil
}

// loadMigrations reads the migrations in dir of fsys for dialect d and
// returns them in the order they apply: by date, then by sequence number.
//
// A migration is either one file, NAME.sql, for both dialects, or a pair,
// NAME-sqlite.sql and NAME-postgres.sql; anything else is an error, so that
// the two schemas cannot drift apart by a forgotten file.
func loadMigrations(fsys fs.FS, dir string, d Dialect) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	// files maps a migration's name to its files, keyed by dialect
	// ("" for the shared file).
	files := make(map[string]map[string]string)
	for _, e := range entries {
		file := e.Name()
		stem, ok := strings.CutSuffix(file, ".sql")
		if !ok || e.IsDir() {
			return nil, fmt.Errorf("store: migration %s: not a .sql file", file)
		}
		name, variant := stem, ""
		for _, dialect := range []Dialect{SQLite, Postgres} {
			if base, ok := strings.CutSuffix(stem, "-"+dialect.String()); ok {
				name, variant = base, dialect.String()
			}
		}
		if files[name] == nil {
			files[name] = make(map[string]string)
		}
		files[name][variant] = file
	}

	migrations := make([]migration, 0, len(files))
	for name, variants := range files {
		m, err := parseMigrationName(name)
		if err != nil {
			return nil, err
		}
		_, shared := variants[""]
		_, lite := variants[SQLite.String()]
		_, pg := variants[Postgres.String()]
		switch {
		case shared && (lite || pg):
			return nil, fmt.Errorf("store: migration %s: has both a shared file and a dialect variant", name)
		case !shared && lite != pg:
			return nil, fmt.Errorf("store: migration %s: has a variant for only one dialect; it needs %s-sqlite.sql and %s-postgres.sql", name, name, name)
		}
		file := variants[""]
		if !shared {
			file = variants[d.String()]
		}
		text, err := fs.ReadFile(fsys, path.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", name, err)
		}
		m.sql = string(text)
		migrations = append(migrations, m)
	}

	sort.Slice(migrations, func(i, j int) bool {
		a, b := migrations[i], migrations[j]
		if a.date != b.date {
			return a.date < b.date
		}
		return a.seq < b.seq
	})
	for i := 1; i < len(migrations); i++ {
		a, b := migrations[i-1], migrations[i]
		if a.date == b.date && a.seq == b.seq {
			return nil, fmt.Errorf("store: migrations %s and %s: same date and sequence number, so their order is undefined", a.name, b.name)
		}
	}
	return migrations, nil
}

// parseMigrationName checks that name has the form DATE-SEQ-words with a
// real date.
func parseMigrationName(name string) (migration, error) {
	parts := migrationName.FindStringSubmatch(name)
	if parts == nil {
		return migration{}, fmt.Errorf("store: migration %q: want a name like 2026-11-29-1-what-it-does", name)
	}
	if _, err := time.Parse(time.DateOnly, parts[1]); err != nil {
		return migration{}, fmt.Errorf("store: migration %q: %w", name, err)
	}
	seq, err := strconv.Atoi(parts[2])
	if err != nil {
		return migration{}, fmt.Errorf("store: migration %q: sequence number: %w", name, err)
	}
	return migration{name: name, date: parts[1], seq: seq}, nil
}
