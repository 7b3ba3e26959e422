package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/store"
)

// Errors of passkeys a caller tells apart.
var (
	ErrNoPasskey     = errors.New("account: no such passkey")
	ErrPasskeyExists = errors.New("account: this passkey is registered already")
	// ErrSignCount is returned when a passkey reports a signature counter
	// that did not grow: the authenticator may have been cloned.
	ErrSignCount = errors.New("account: the passkey's signature counter did not increase")
)

// MaxPasskeyName bounds the name a person gives a passkey, in characters.
const MaxPasskeyName = 64

// handleLen is the length of a passkey user handle; WebAuthn allows 64.
const handleLen = 32

// Passkey is a WebAuthn credential registered to an account: a second
// factor, and a way to sign in without a password when the authenticator
// verifies the person.
type Passkey struct {
	ID           int64
	UserID       int64
	CredentialID []byte
	// PublicKey is the credential's COSE public key.
	PublicKey []byte
	// SignCount is the authenticator's signature counter at the last use;
	// 0 for authenticators that keep none.
	SignCount  uint32
	Transports []string
	// AAGUID names the authenticator's model; all zeros when it is not
	// told.
	AAGUID []byte
	// BackupEligible and BackupState are the BE and BS flags: the passkey
	// may be, or is, synced to other devices.
	BackupEligible bool
	BackupState    bool
	Name           string
	CreatedAt      time.Time
	LastUsedAt     time.Time
}

// cleanPasskeyName trims a passkey's name, which may be empty, and checks
// its length.
func cleanPasskeyName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case !utf8.ValidString(name):
		return "", errors.New("the passkey's name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxPasskeyName:
		return "", fmt.Errorf("the passkey's name is longer than %d characters", MaxPasskeyName)
	}
	return name, nil
}

// CheckPasskeyName reports why name is not acceptable for a passkey, or
// nil; an empty name is acceptable and becomes a default.
func CheckPasskeyName(name string) error {
	_, err := cleanPasskeyName(name)
	return err
}

// AddPasskey registers a passkey to account p.UserID. An empty p.Name
// becomes fallbackName. It returns ErrPasskeyExists when the credential is
// registered already, to this account or another.
func (s *Store) AddPasskey(ctx context.Context, p Passkey, fallbackName string, now time.Time) (Passkey, error) {
	name, err := cleanPasskeyName(p.Name)
	if err != nil {
		return Passkey{}, err
	}
	if name == "" {
		name = fallbackName
	}
	if len(p.CredentialID) == 0 || len(p.PublicKey) == 0 {
		return Passkey{}, errors.New("account: a passkey needs a credential id and a public key")
	}
	aaguid := p.AAGUID
	if aaguid == nil {
		aaguid = []byte{}
	}
	out, err := scanPasskey(s.db.QueryRowContext(ctx, s.query("add-passkey"),
		p.UserID, p.CredentialID, p.PublicKey, int64(p.SignCount), strings.Join(p.Transports, ","), aaguid,
		p.BackupEligible, p.BackupState, name, now))
	if err != nil && store.IsUniqueViolation(err) {
		return Passkey{}, ErrPasskeyExists
	}
	return out, err
}

// Passkeys lists the account's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := s.db.QueryContext(ctx, s.query("list-passkeys"), userID)
	if err != nil {
		return nil, fmt.Errorf("account: list passkeys: %w", err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list passkeys: %w", err)
	}
	return out, nil
}

// CountPasskeys returns how many passkeys the account has.
func (s *Store) CountPasskeys(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.query("count-passkeys"), userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("account: count passkeys: %w", err)
	}
	return n, nil
}

// PasskeyByCredentialID returns the passkey with the WebAuthn credential
// id, or ErrNoPasskey.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error) {
	return scanPasskey(s.db.QueryRowContext(ctx, s.query("passkey-by-credential"), credentialID))
}

// UsePasskey records a use of the passkey at now with the signature
// counter and backup state the authenticator reported. It returns
// ErrSignCount, changing nothing, unless the counter grew or is 0 and
// always was (authenticators that keep no counter, as synced passkeys
// do): a counter that did not grow means another copy of the key signed
// since, or that this answer is replayed.
func (s *Store) UsePasskey(ctx context.Context, id int64, signCount uint32, backupState bool, now time.Time) error {
	res, err := s.db.ExecContext(ctx, s.query("use-passkey"), id, int64(signCount), backupState, now)
	if err != nil {
		return fmt.Errorf("account: use passkey: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("account: use passkey: %w", err)
	}
	if n == 0 {
		return ErrSignCount
	}
	return nil
}

// RemovePasskey removes passkey id of the account, or returns ErrNoPasskey
// when the account has no such passkey.
func (s *Store) RemovePasskey(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, s.query("remove-passkey"), id, userID)
	if err != nil {
		return fmt.Errorf("account: remove passkey: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNoPasskey
	}
	return nil
}

// PasskeyHandle returns the account's WebAuthn user handle, making one the
// first time: random bytes that authenticators keep with the account's
// discoverable passkeys and return when signing in.
func (s *Store) PasskeyHandle(ctx context.Context, userID int64) ([]byte, error) {
	handle := make([]byte, handleLen)
	rand.Read(handle) // never fails: crypto/rand crashes the program instead
	if _, err := s.db.ExecContext(ctx, s.query("create-passkey-handle"), userID, handle); err != nil {
		return nil, fmt.Errorf("account: create passkey handle: %w", err)
	}
	var stored []byte
	if err := s.db.QueryRowContext(ctx, s.query("passkey-handle"), userID).Scan(&stored); err != nil {
		return nil, fmt.Errorf("account: read passkey handle: %w", err)
	}
	return stored, nil
}

func scanPasskey(row scanner) (Passkey, error) {
	var (
		p          Passkey
		count      int64
		transports string
		lastUsed   sql.NullTime
	)
	err := row.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.PublicKey, &count, &transports, &p.AAGUID,
		&p.BackupEligible, &p.BackupState, &p.Name, &p.CreatedAt, &lastUsed)
	if errors.Is(err, store.ErrNotFound) {
		return Passkey{}, ErrNoPasskey
	}
	if err != nil {
		return Passkey{}, fmt.Errorf("account: read passkey: %w", err)
	}
	p.SignCount = uint32(count)
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	p.LastUsedAt = lastUsed.Time
	return p, nil
}
