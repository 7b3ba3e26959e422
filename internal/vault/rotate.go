package vault

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/noren-web/noren/internal/store"
)

// defaultRotateBatch is how many records one rotation transaction re-wraps
// unless told otherwise: large enough to amortise the commit, small enough
// to keep each transaction short.
const defaultRotateBatch = 500

// RotateOptions tune Rotate. The zero value is ready to use.
type RotateOptions struct {
	// BatchSize is how many records each transaction re-wraps; 0 means 500.
	BatchSize int
	// Progress, if not nil, is called after each committed batch with the
	// number of records re-wrapped so far.
	Progress func(rewrapped int)
}

// Rotate re-wraps the data key of every live record under next's active
// KEK, without decrypting any payload, and returns how many it re-wrapped.
// Data keys are unwrapped with any KEK of next or of the vault's current
// keys. next must have the vault's index key (Keys.WithNewKEK keeps it).
//
// From the start of Rotate the vault seals new records under next's active
// KEK. Records are re-wrapped in batches, each in a transaction of its own;
// records already under next's active KEK are skipped, so a rotation that
// was interrupted is finished by running it again, and running it once more
// re-wraps nothing. A record whose data key no known KEK unwraps stops the
// rotation with an error matching ErrUnknownKEK or ErrDecrypt; nothing is
// lost, as that record is left as it was.
//
// The new key file must be written, and durable, before Rotate is called:
// once a batch commits, only the new KEK opens those records.
func (v *Vault) Rotate(ctx context.Context, next *Keys, opts RotateOptions) (int, error) {
	if next == nil {
		return 0, errors.New("vault: rotate: no keys")
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = defaultRotateBatch
	}

	v.mu.Lock()
	merged, err := mergeKeys(next, v.keys)
	if err == nil {
		v.keys = merged
	}
	v.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("vault: rotate: %w", err)
	}

	active := merged.keks[0]
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("vault: rotate: stopped after %d records: %w", total, err)
		}
		done, read, err := v.rotateBatch(ctx, merged, active, batch)
		if err != nil {
			return total, fmt.Errorf("vault: rotate: stopped after %d records: %w", total, err)
		}
		total += done
		if opts.Progress != nil && read > 0 {
			opts.Progress(total)
		}
		if read < batch {
			return total, nil
		}
	}
}

// rotateBatch re-wraps up to batch records not yet under active, in one
// transaction. read is how many records it looked at, done how many it
// re-wrapped; they differ when a record was shredded meanwhile.
func (v *Vault) rotateBatch(ctx context.Context, keys *Keys, active kek, batch int) (done, read int, err error) {
	err = v.db.Tx(ctx, func(tx *store.Tx) error {
		done, read = 0, 0
		type rewrap struct {
			id, oldKEK string
			wrapped    []byte
		}
		var todo []rewrap
		rows, err := tx.QueryContext(ctx, v.q["rotate"], active.id, batch)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				m       Meta
				oldKEK  string
				wrapped []byte
			)
			if err := rows.Scan(&m.ID, &m.Kind, &m.Form, &oldKEK, &wrapped); err != nil {
				rows.Close()
				return err
			}
			dek, err := keys.unwrap(m, oldKEK, wrapped)
			if err != nil {
				rows.Close()
				return fmt.Errorf("record %s: %w", m.ID, err)
			}
			rewrapped := sealBlob(active.aead, dek, dataKeyAD(m.ID, m.Kind, m.Form, active.id))
			clear(dek)
			todo = append(todo, rewrap{id: m.ID, oldKEK: oldKEK, wrapped: rewrapped})
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		read = len(todo)
		// The updates run after the rows are closed: on PostgreSQL a
		// connection runs one statement at a time.
		for _, r := range todo {
			res, err := tx.ExecContext(ctx, v.q["rewrap"], r.id, active.id, r.wrapped, r.oldKEK)
			if err != nil {
				return fmt.Errorf("record %s: %w", r.id, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("record %s: %w", r.id, err)
			}
			done += int(n)
		}
		return nil
	})
	return done, read, err
}

// mergeKeys returns keys whose active KEK is next's, which read with every
// KEK of next and of current, and whose index key is theirs, which must be
// the same.
func mergeKeys(next, current *Keys) (*Keys, error) {
	if subtle.ConstantTimeCompare(next.index, current.index) != 1 {
		return nil, errors.New("the new keys have a different index key; rotation keeps the index key (Keys.WithNewKEK does)")
	}
	merged := &Keys{keks: append([]kek(nil), next.keks...), index: next.index}
	for _, e := range current.keks {
		if have, ok := merged.kek(e.id); ok {
			if !bytes.Equal(have.key, e.key) {
				return nil, fmt.Errorf("KEK %s is a different key in the new keys than in the current ones", e.id)
			}
			continue
		}
		merged.keks = append(merged.keks, e)
	}
	return merged, nil
}
