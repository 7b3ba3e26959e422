package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// secureDelete makes SQLite overwrite the bytes a statement frees, so a
// shredded record's wrapped key does not linger in free pages of the
// database file. It is a setting of the connection, so it is set in every
// shredding transaction, which holds the writer connection.
const secureDelete = `PRAGMA secure_delete = ON`

// Shred destroys the record id for good: its wrapped data key, its payload
// and its blind index are cleared in one transaction, and what remains
// (kind, form, times) holds nothing about the person. Shredding a record
// twice fails with an error matching ErrShredded; an unknown id, with
// ErrNotFound.
//
// Copies of the row made before, in backups or replicas, still hold the
// wrapped data key; see Rotate and the package documentation for how they
// become unreadable.
func (v *Vault) Shred(ctx context.Context, id string) error {
	if !validID(id) {
		return fmt.Errorf("vault: shred record %q: %w", id, ErrNotFound)
	}
	err := v.db.Tx(ctx, func(tx *store.Tx) error {
		if err := v.secureDelete(ctx, tx); err != nil {
			return err
		}
		var shredded sql.NullTime
		err := tx.QueryRowContext(ctx, v.q["shredded-at"], id).Scan(&shredded)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return ErrNotFound
		case err != nil:
			return err
		case shredded.Valid:
			return ErrShredded
		}
		res, err := tx.ExecContext(ctx, v.q["shred"], id, time.Now())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrShredded // by a concurrent Shred
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("vault: shred record %s: %w", id, err)
	}
	return nil
}

func (v *Vault) secureDelete(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() != store.SQLite {
		return nil
	}
	if _, err := tx.ExecContext(ctx, secureDelete); err != nil {
		return fmt.Errorf("secure delete: %w", err)
	}
	return nil
}

// Expired returns the live records whose expiry time is at or before now,
// soonest expired first.
func (v *Vault) Expired(ctx context.Context, now time.Time) ([]Meta, error) {
	metas, err := v.metas(ctx, v.db, "expired", now)
	if err != nil {
		return nil, fmt.Errorf("vault: expired records: %w", err)
	}
	return metas, nil
}

// ShredExpired shreds, in one transaction, every live record whose expiry
// time is at or before now, recording now as the time they were shredded,
// and returns them, soonest expired first, for the caller to audit.
func (v *Vault) ShredExpired(ctx context.Context, now time.Time) ([]Meta, error) {
	var shredded []Meta
	err := v.db.Tx(ctx, func(tx *store.Tx) error {
		if err := v.secureDelete(ctx, tx); err != nil {
			return err
		}
		var err error
		shredded, err = v.metas(ctx, tx, "shred-expired", now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vault: shred expired records: %w", err)
	}
	slices.SortFunc(shredded, func(a, b Meta) int {
		if c := a.Expires.Compare(b.Expires); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return shredded, nil
}
