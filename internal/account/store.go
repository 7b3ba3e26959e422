package account

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Store reads and writes accounts, sessions and API tokens. It is safe for
// concurrent use.
type Store struct {
	db      *store.DB
	queries map[string]string
	hasher  *hasher
	// secrets seal authenticator secrets at rest; nil keeps them as
	// issued.
	secrets *vault.Keys
}

// Options tune a Store.
type Options struct {
	// Hash are the argon2id parameters for new passwords; zero means
	// DefaultHashParams.
	Hash HashParams
	// ParallelHashes bounds how many passwords are hashed at once; zero
	// means 2.
	ParallelHashes int
	// Secrets are the vault's keys, which seal authenticator secrets in
	// the database (see SealTOTPSecrets). Nil stores new secrets as
	// issued, and reading an account whose secret is sealed fails.
	Secrets *vault.Keys
}

// NewStore returns a Store over db, which must be migrated.
func NewStore(db *store.DB, opt Options) (*Store, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, err
	}
	queries, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	if opt.Hash == (HashParams{}) {
		opt.Hash = DefaultHashParams
	}
	if opt.ParallelHashes == 0 {
		opt.ParallelHashes = 2
	}
	return &Store{db: db, queries: queries, hasher: newHasher(opt.Hash, opt.ParallelHashes), secrets: opt.Secrets}, nil
}

func (s *Store) query(name string) string {
	q, ok := s.queries[name]
	if !ok {
		panic("account: no query " + name)
	}
	return q
}

// scanner is what *store.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// scanUser reads an account, opening its authenticator secret when it is
// sealed.
func (s *Store) scanUser(row scanner) (User, error) {
	var (
		u                                    User
		role, forms, totpKEK                 string
		expires, locked, disabled, lastLogin sql.NullTime
	)
	err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &forms, &expires, &u.Lang, &u.PasswordHash,
		&u.PasswordChangedAt, &u.TOTPSecret, &totpKEK, &u.TOTPLastStep, &u.FailedLogins, &locked, &disabled,
		&u.CreatedAt, &lastLogin)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("account: read account: %w", err)
	}
	u.Role = Role(role)
	if forms != "" {
		u.Forms = strings.Split(forms, ",")
	}
	u.ExpiresAt, u.LockedUntil, u.DisabledAt, u.LastLoginAt = expires.Time, locked.Time, disabled.Time, lastLogin.Time
	if u.TOTPSecret, err = s.openTOTP(u.ID, u.TOTPSecret, totpKEK); err != nil {
		return User{}, err
	}
	return u, nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

// Create adds an account with the given password, which must pass
// CheckPasswordStrength.
func (s *Store) Create(ctx context.Context, p Profile, password string, now time.Time) (User, error) {
	if err := p.normalize(now); err != nil {
		return User{}, err
	}
	if err := CheckPasswordStrength(password, p.Email); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	u, err := s.scanUser(s.db.QueryRowContext(ctx, s.query("create-user"),
		p.Email, p.Name, string(p.Role), strings.Join(p.Forms, ","), nullTime(p.ExpiresAt), hash, now))
	if err != nil && store.IsUniqueViolation(err) {
		return User{}, fmt.Errorf("%w: %s", ErrExists, p.Email)
	}
	return u, err
}

// ByID returns the account with the id.
func (s *Store) ByID(ctx context.Context, id int64) (User, error) {
	return s.scanUser(s.db.QueryRowContext(ctx, s.query("user-by-id"), id))
}

// ByEmail returns the account with the e-mail address, in any case.
func (s *Store) ByEmail(ctx context.Context, email string) (User, error) {
	return s.scanUser(s.db.QueryRowContext(ctx, s.query("user-by-email"), strings.ToLower(strings.TrimSpace(email))))
}

// List returns every account, owners first.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, s.query("list-users"))
	if err != nil {
		return nil, fmt.Errorf("account: list: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list: %w", err)
	}
	return out, nil
}

// CheckPassword reports ErrWrongPassword unless password is the account's.
func (s *Store) CheckPassword(ctx context.Context, u User, password string) error {
	return s.hasher.verify(ctx, u.PasswordHash, password)
}

// HashDecoy spends the time a password check takes, so that signing in as
// an unknown address is not told apart by its speed.
func (s *Store) HashDecoy(ctx context.Context, password string) {
	_, _ = s.hasher.hash(ctx, bounded(password))
}

// SetPassword replaces the account's password, lifting every lock.
func (s *Store) SetPassword(ctx context.Context, u User, password string, now time.Time) error {
	if err := CheckPasswordStrength(password, u.Email); err != nil {
		return err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.exec(ctx, tx, "set password", "set-password", u.ID, hash, now); err != nil {
			return err
		}
		return s.unlock(ctx, tx, u.ID)
	})
}

// Update changes the account's name, role, forms and expiry. It refuses to
// take the owner role from the last active owner or to give it an end.
func (s *Store) Update(ctx context.Context, id int64, p Profile, now time.Time) (User, error) {
	before, err := s.ByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	p.Email = before.Email
	if err := p.normalize(now); err != nil {
		return User{}, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if before.Role == Owner && (p.Role != Owner || !p.ExpiresAt.IsZero()) {
			if err := s.keepAnOwner(ctx, tx, id, now); err != nil {
				return err
			}
		}
		return s.exec(ctx, tx, "update", "update-profile", id, p.Name, string(p.Role), strings.Join(p.Forms, ","), nullTime(p.ExpiresAt))
	})
	if err != nil {
		return User{}, err
	}
	return s.ByID(ctx, id)
}

// SetDisabled disables (at now) or re-enables the account. It refuses to
// disable the last active owner.
func (s *Store) SetDisabled(ctx context.Context, u User, disabled bool, now time.Time) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		at := time.Time{}
		if disabled {
			if err := s.keepAnOwner(ctx, tx, u.ID, now); err != nil {
				return err
			}
			at = now
		}
		return s.exec(ctx, tx, "disable", "set-disabled", u.ID, nullTime(at))
	})
}

// keepAnOwner refuses a change that would take account id out of the
// active owners when it is the last of them. It runs in the transaction
// of the change; on PostgreSQL the count locks the owners' rows, so two
// owners demoting each other at once cannot both succeed.
func (s *Store) keepAnOwner(ctx context.Context, tx *store.Tx, id int64, now time.Time) error {
	rows, err := tx.QueryContext(ctx, s.query("active-owners"), now)
	if err != nil {
		return fmt.Errorf("account: count owners: %w", err)
	}
	defer rows.Close()
	others, self := 0, false
	for rows.Next() {
		var owner int64
		if err := rows.Scan(&owner); err != nil {
			return fmt.Errorf("account: count owners: %w", err)
		}
		if owner == id {
			self = true
		} else {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("account: count owners: %w", err)
	}
	if self && others == 0 {
		return ErrLastOwner
	}
	return nil
}

// SetLang records the console language the person chose.
func (s *Store) SetLang(ctx context.Context, id int64, lang string) error {
	return s.exec(ctx, s.db, "set language", "set-lang", id, lang)
}

// SetTOTP enrols an authenticator secret (base32), or removes it when
// empty. With Options.Secrets the secret is stored sealed.
func (s *Store) SetTOTP(ctx context.Context, id int64, secret string) error {
	stored, kekID, err := s.sealTOTP(id, secret)
	if err != nil {
		return err
	}
	return s.exec(ctx, s.db, "set TOTP", "set-totp", id, stored, kekID)
}

// UseTOTPStep records that the code of the time step was used, reporting
// false when that step or a later one was used already (a replay).
func (s *Store) UseTOTPStep(ctx context.Context, id, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.query("use-totp-step"), id, step)
	if err != nil {
		return false, fmt.Errorf("account: use TOTP step: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("account: use TOTP step: %w", err)
	}
	return n == 1, nil
}

// exec runs a statement that must change exactly one row.
func (s *Store) exec(ctx context.Context, q store.Querier, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, s.query(query), args...)
	if err != nil {
		return fmt.Errorf("account: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// ResetSecondFactors removes every second factor of the account, its
// authenticator app and its passkeys, so that it sets one up anew at its
// next sign-in.
func (s *Store) ResetSecondFactors(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.exec(ctx, tx, "reset TOTP", "set-totp", id, "", ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.query("delete-user-passkeys"), id); err != nil {
			return fmt.Errorf("account: remove passkeys: %w", err)
		}
		return nil
	})
}
