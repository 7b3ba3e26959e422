package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Tx is a transaction handed to the callback of DB.Tx. Its methods rewrite
// placeholders and convert times as DB's do.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
}

// Tx runs fn in a transaction, committing when fn returns nil and rolling
// back when it returns an error or panics; fn's error is returned as is, and
// a panic is re-raised after the rollback.
//
// On SQLite the transaction holds the only writer connection from its start
// (BEGIN IMMEDIATE), so fn must use tx, not db, for its statements.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// The error fn returned is what matters; a failed rollback
			// also ends the transaction, as the connection is dropped.
			_ = sqlTx.Rollback()
		}
	}()

	if err := fn(&Tx{tx: sqlTx, dialect: db.dialect}); err != nil {
		return err
	}
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Dialect reports which engine the transaction runs on.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// ExecContext runs a statement that returns no rows.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.dialect.rebind(query), tx.dialect.convertArgs(args)...)
}

// QueryContext runs a statement that returns rows.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.dialect.rebind(query), tx.dialect.convertArgs(args)...)
}

// QueryRowContext runs a statement expected to return at most one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: tx.tx.QueryRowContext(ctx, tx.dialect.rebind(query), tx.dialect.convertArgs(args)...)}
}
