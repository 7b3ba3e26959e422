// Package store is Noren's storage layer: one API over SQLite (embedded, the
// default) and PostgreSQL, with one set of migrations for both.
//
// Queries are written once with PostgreSQL's $1, $2 … placeholders; on
// SQLite they are rewritten to ?1, ?2 …, which SQLite reads the same way.
// time.Time arguments are stored as UTC with microsecond precision on both
// backends (timestamptz on PostgreSQL, fixed-width RFC 3339 text on SQLite),
// and columns declared TIMESTAMP on SQLite scan back into time.Time in UTC,
// as timestamptz columns do on PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect int

// The supported dialects. The zero Dialect is not valid.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String returns the dialect's name as used in file suffixes: "sqlite" or
// "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// Querier is what DB and Tx have in common, so query code can run either
// inside or outside a transaction.
type Querier interface {
	Dialect() Dialect
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// DB is an open database. It is safe for concurrent use.
//
// On SQLite it holds two pools on the same file: a single connection for
// everything that may write, so writers queue in Go instead of spinning on
// SQLITE_BUSY, and several read-only connections for SELECT statements,
// which WAL mode lets run alongside the writer. On PostgreSQL both are the
// same pool.
type DB struct {
	dialect Dialect
	path    string // the SQLite file; "" for PostgreSQL and :memory:
	write   *sql.DB
	read    *sql.DB
}

const (
	// sqliteBusyTimeout bounds how long a connection waits for a lock held
	// by another process (another noren command on the same file).
	sqliteBusyTimeout = 10 * time.Second
	postgresMaxConns  = 16
)

// Open opens the database named by dsn:
//
//	sqlite:PATH[?synchronous=normal|full]   SQLite file at PATH
//	PATH.db, PATH.sqlite, PATH.sqlite3      the same, without the prefix
//	sqlite::memory:                         a private in-memory SQLite database
//	postgres://… or postgresql://…          PostgreSQL (libpq URL)
//
// It checks that the database can be reached but does not migrate it.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch cfg.dialect {
	case SQLite:
		return openSQLite(ctx, cfg)
	default:
		return openPostgres(ctx, cfg.postgres)
	}
}

func openSQLite(ctx context.Context, cfg dsnConfig) (*DB, error) {
	if !cfg.memory {
		if err := restrictSQLiteFiles(cfg.path); err != nil {
			return nil, err
		}
	}
	write, err := sql.Open("sqlite", cfg.sqliteDriverDSN(false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", cfg.path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer connects first so the file exists and is in WAL mode
	// before any reader opens it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", cfg.path, err)
	}
	db := &DB{dialect: SQLite, write: write, read: write}
	if cfg.memory {
		// Every connection to :memory: is a database of its own, so the
		// single writer connection has to serve reads as well.
		return db, nil
	}

	read, err := sql.Open("sqlite", cfg.sqliteDriverDSN(true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s for reading: %w", cfg.path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxLifetime(0)
	read.SetConnMaxIdleTime(0)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("store: open sqlite %s for reading: %w", cfg.path, err)
	}
	db.read = read
	db.path = cfg.path
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message never echoes the password.
		return nil, fmt.Errorf("store: postgres DSN: %w", err)
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(scanTimestamptzAsUTC))
	pool.SetMaxOpenConns(postgresMaxConns)
	pool.SetMaxIdleConns(postgresMaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to postgres %s: %w", where, err)
	}
	return &DB{dialect: Postgres, write: pool, read: pool}, nil
}

// scanTimestamptzAsUTC makes timestamptz values scan in UTC, as they do on
// SQLite, rather than in the process's local zone.
func scanTimestamptzAsUTC(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{
		Name:  "timestamptz",
		OID:   pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
	return nil
}

// Close closes every connection.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Dialect reports which engine the database runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Path returns the file of a SQLite database, or "" for PostgreSQL and an
// in-memory database.
func (db *DB) Path() string { return db.path }

// LimitConns caps the connections a PostgreSQL database opens at n, so
// that one part of Noren cannot take the server's connections from the
// others. SQLite's pools are fixed and left as they are.
func (db *DB) LimitConns(n int) {
	if db.dialect != Postgres || n <= 0 {
		return
	}
	db.write.SetMaxOpenConns(n)
	db.write.SetMaxIdleConns(n)
}

// SQL returns the underlying handle for statements that may write. It does
// no placeholder rewriting or time conversion. On SQLite it holds a single
// connection: an open *sql.Rows from it blocks every other write.
func (db *DB) SQL() *sql.DB { return db.write }

// Ping checks that the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	return nil
}

// ExecContext runs a statement that returns no rows.
//
// On SQLite it waits for the single writer connection, so calling it from
// inside a Tx callback (instead of the Tx's own ExecContext) blocks until ctx
// is done.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.dialect.rebind(query), db.dialect.convertArgs(args)...)
}

// QueryContext runs a statement that returns rows. On SQLite a statement
// starting with SELECT runs on the read-only pool; any other (say INSERT …
// RETURNING) runs on the writer connection.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.pool(query).QueryContext(ctx, db.dialect.rebind(query), db.dialect.convertArgs(args)...)
}

// QueryRowContext runs a statement expected to return at most one row,
// choosing the pool as QueryContext does.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: db.pool(query).QueryRowContext(ctx, db.dialect.rebind(query), db.dialect.convertArgs(args)...)}
}

func (db *DB) pool(query string) *sql.DB {
	if isSelect(query) {
		return db.read
	}
	return db.write
}

// Row is the result of QueryRowContext. Its Scan reports a missing row as an
// error matching both ErrNotFound and sql.ErrNoRows.
type Row struct {
	row *sql.Row
}

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

// Err reports the error, if any, of running the query, without scanning.
func (r *Row) Err() error { return r.row.Err() }
