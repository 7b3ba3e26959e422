package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned by Row.Scan when the query matched no row. The
// same error also matches sql.ErrNoRows.
var ErrNotFound = errors.New("store: not found")

var errNoRows = fmt.Errorf("%w (%w)", ErrNotFound, sql.ErrNoRows)

// ErrUnknownMigration is returned by Migrate and PendingMigrations when the
// database records a migration this binary does not have: a newer version
// of Noren has upgraded the schema, and running an older one against it
// could misread or damage the data.
var ErrUnknownMigration = errors.New("store: the database has migrations this binary does not know")

// IsUniqueViolation reports whether err, or an error it wraps, is a UNIQUE
// or PRIMARY KEY constraint violation on either backend.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505" // unique_violation, which covers primary keys
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}
