package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// A lock is kept per account and client network: wrong passwords or codes
// from one network lock that network out of the account, while the person
// signs in from anywhere else. An attacker who knows an address can thus
// neither lock its owner out nor tell, by a lock, that the account exists.
// The network is the masked one the audit trail records (an IPv4 /24, an
// IPv6 /48): a lock keeps nothing more precise than the trail does.

// RecordFailure counts a wrong password or code for the account from the
// client network. When the failures in a row, each within lockFor of the
// one before, reach threshold, the network is locked out of the account
// for lockFor; the returned time is the end of that lock, zero when none
// began. The account's own failure count, which owners see, grows too.
func (s *Store) RecordFailure(ctx context.Context, id int64, network string, threshold int, lockFor time.Duration, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.exec(ctx, tx, "record failure", "count-failure", id); err != nil {
			return err
		}
		var failures int
		if err := tx.QueryRowContext(ctx, s.query("record-failure"), id, network, now, now.Add(-lockFor)).Scan(&failures); err != nil {
			return fmt.Errorf("account: record failure of account %d: %w", id, err)
		}
		if failures < threshold {
			return nil
		}
		until = now.Add(lockFor)
		if err := s.exec(ctx, tx, "lock network", "lock-network", id, network, until); err != nil {
			return err
		}
		return s.exec(ctx, tx, "note lock", "summarise-lock", id, now)
	})
	if err != nil {
		return time.Time{}, err
	}
	return until, nil
}

// LockedFrom returns the end of the lock of the client network out of the
// account, zero when it is not locked out at now.
func (s *Store) LockedFrom(ctx context.Context, id int64, network string, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.QueryRowContext(ctx, s.query("network-lock"), id, network, now).Scan(&until)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("account: lock of account %d: %w", id, err)
	}
	return until, nil
}

// ClearFailures forgets the failures counted from the client network, once
// the right password came from it.
func (s *Store) ClearFailures(ctx context.Context, id int64, network string) error {
	if _, err := s.db.ExecContext(ctx, s.query("clear-network-failures"), id, network); err != nil {
		return fmt.Errorf("account: clear failures of account %d: %w", id, err)
	}
	return nil
}

// RecordLogin clears the failures counted from the client network and the
// account's failure count, and notes the time of a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, id int64, network string, now time.Time) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, s.query("clear-network-failures"), id, network); err != nil {
			return fmt.Errorf("account: record login of account %d: %w", id, err)
		}
		if err := s.exec(ctx, tx, "record login", "record-login", id, now); err != nil {
			return err
		}
		return s.exec(ctx, tx, "note lock", "summarise-lock", id, now)
	})
}

// Unlock lifts every lock of the account, from every network, before it
// ends.
func (s *Store) Unlock(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error { return s.unlock(ctx, tx, id) })
}

func (s *Store) unlock(ctx context.Context, tx *store.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, s.query("clear-failures"), id); err != nil {
		return fmt.Errorf("account: unlock account %d: %w", id, err)
	}
	return s.exec(ctx, tx, "unlock", "unlock", id)
}

// DeleteStaleFailures forgets the failures counted before now less lockFor
// whose locks have ended, and returns how many networks it forgot.
func (s *Store) DeleteStaleFailures(ctx context.Context, lockFor time.Duration, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.query("delete-stale-failures"), now.Add(-lockFor), now)
	if err != nil {
		return 0, fmt.Errorf("account: delete stale failures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("account: delete stale failures: %w", err)
	}
	return n, nil
}
