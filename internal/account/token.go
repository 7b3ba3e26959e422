package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one.
const TokenPrefix = "noren_"

// ErrBadToken is returned for an API token that is unknown, revoked,
// expired, or whose account can no longer be used.
var ErrBadToken = errors.New("account: invalid, revoked or expired API token")

// Token is an API token for the JSON API. It acts as its account but with
// its own role, which the account's role must be allowed to delegate; the
// token itself is shown once and stored only as a hash.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Role       Role
	Hint       string // the first characters, to tell tokens apart
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: no expiry
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Active reports whether the token works at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// CreateToken issues a token for the account acting as role, returning
// the secret to show once.
func (s *Store) CreateToken(ctx context.Context, u User, name string, role Role, expires, now time.Time) (string, Token, error) {
	name = strings.TrimSpace(name)
	role, err := ParseRole(string(role))
	if err != nil {
		return "", Token{}, err
	}
	switch {
	case name == "":
		return "", Token{}, errors.New("a token needs a name that says what uses it")
	case len(name) > 100:
		return "", Token{}, errors.New("the token name is longer than 100 characters")
	case !u.Role.MayDelegate(role):
		return "", Token{}, fmt.Errorf("the role %s cannot issue a token acting as %s", u.Role, role)
	case !expires.IsZero() && !expires.After(now):
		return "", Token{}, errors.New("the token's expiry is in the past")
	}
	secret := TokenPrefix + NewSecret()
	hint := secret[:len(TokenPrefix)+6]
	t, err := scanToken(s.db.QueryRowContext(ctx, s.query("create-token"),
		u.ID, name, string(role), HashSecret(secret), hint, now, nullTime(expires)))
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Authenticate returns the token with the secret and the account it acts
// for, checking that both are usable at now.
func (s *Store) Authenticate(ctx context.Context, secret string, now time.Time) (Token, User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Token{}, User{}, ErrBadToken
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, s.query("token-by-hash"), HashSecret(secret)))
	if errors.Is(err, ErrNotFound) || (err == nil && !t.Active(now)) {
		return Token{}, User{}, ErrBadToken
	}
	if err != nil {
		return Token{}, User{}, err
	}
	u, err := s.ByID(ctx, t.UserID)
	if err != nil {
		return Token{}, User{}, err
	}
	if u.Usable(now) != nil || !u.Role.MayDelegate(t.Role) {
		// A token never outlives its account or a demotion of it.
		return Token{}, User{}, ErrBadToken
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, s.query("touch-token"), t.ID, now); err != nil {
			return Token{}, User{}, fmt.Errorf("account: touch token: %w", err)
		}
		t.LastUsedAt = now
	}
	return t, u, nil
}

// Tokens lists the tokens of the account, or of every account when userID
// is 0.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, s.query("list-tokens"), userID)
	if err != nil {
		return nil, fmt.Errorf("account: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes the token if it belongs to userID (any account when
// userID is 0).
func (s *Store) RevokeToken(ctx context.Context, id, userID int64, now time.Time) error {
	return s.exec(ctx, s.db, "revoke token", "revoke-token", id, userID, now)
}

func scanToken(row scanner) (Token, error) {
	var (
		t                      Token
		role                   string
		expires, used, revoked sql.NullTime
	)
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &role, &t.Hint, &t.CreatedAt, &expires, &used, &revoked)
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("account: read token: %w", err)
	}
	t.Role = Role(role)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = expires.Time, used.Time, revoked.Time
	return t, nil
}
