package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// Stage is how far a session has come through signing in.
type Stage string

// The stages. Only a StageFull session reaches the console; the others
// reach only the page that completes them.
const (
	// StageSecondFactor: the password was right; a TOTP code or a passkey
	// is still needed.
	StageSecondFactor Stage = "second_factor"
	// StageEnrol: the password was right, but the role needs a second factor
	// and none is enrolled yet.
	StageEnrol Stage = "enrol"
	// StageFull: signed in.
	StageFull Stage = "full"
)

// ErrNoSession is returned for a session id that is unknown, revoked,
// idle too long or past its absolute end.
var ErrNoSession = errors.New("account: no such session, or it has ended")

// Session is a signed-in browser. Its id lives only in the visitor's cookie;
// the database keeps the id's SHA-256, so a copy of the database cannot be
// used to take over sessions.
type Session struct {
	IDHash     string
	UserID     int64
	Stage      Stage
	CSRF       string // the token every state-changing request must carry
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
	Address    string    // masked client address at sign-in
	Agent      string    // browser and system, summarised
}

// touchEvery limits how often a session's last-seen time is written: idle
// timeouts are minutes long, so a minute's precision is plenty.
const touchEvery = time.Minute

// NewSecret returns 32 random bytes in base64url, for session ids, CSRF
// tokens and API tokens.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 under which a session id or API token
// is stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// StartSession opens a session for the account lasting at most absolute,
// returning the id to put in the cookie.
func (s *Store) StartSession(ctx context.Context, userID int64, stage Stage, absolute time.Duration, address, agent string, now time.Time) (string, Session, error) {
	id := NewSecret()
	sess := Session{
		IDHash: HashSecret(id), UserID: userID, Stage: stage, CSRF: NewSecret(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(absolute), Address: address, Agent: agent,
	}
	_, err := s.db.ExecContext(ctx, s.query("start-session"), sess.IDHash, userID, string(stage), sess.CSRF, now, sess.ExpiresAt, address, agent)
	if err != nil {
		return "", Session{}, fmt.Errorf("account: start session: %w", err)
	}
	return id, sess, nil
}

// Session returns the live session with the id, refreshing its last-seen
// time. It returns ErrNoSession when the session is unknown, revoked, idle
// longer than idle or past its absolute end.
func (s *Store) Session(ctx context.Context, id string, idle time.Duration, now time.Time) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	sess, err := scanSession(s.db.QueryRowContext(ctx, s.query("session-by-hash"), HashSecret(id), now, now.Add(-idle)))
	if err != nil {
		return Session{}, err
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, s.query("touch-session"), sess.IDHash, now); err != nil {
			return Session{}, fmt.Errorf("account: touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	return sess, nil
}

func scanSession(row scanner) (Session, error) {
	var sess Session
	var stage string
	err := row.Scan(&sess.IDHash, &sess.UserID, &stage, &sess.CSRF, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.Address, &sess.Agent)
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("account: read session: %w", err)
	}
	sess.Stage = Stage(stage)
	return sess, nil
}

// EndSession revokes one session by its stored hash.
func (s *Store) EndSession(ctx context.Context, idHash string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.query("revoke-session"), idHash, now); err != nil {
		return fmt.Errorf("account: end session: %w", err)
	}
	return nil
}

// RevokeSessions ends every session of the account except the one with
// hash keep (empty to end all), returning how many ended.
func (s *Store) RevokeSessions(ctx context.Context, userID int64, keep string, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.query("revoke-user-sessions"), userID, now, keep)
	if err != nil {
		return 0, fmt.Errorf("account: revoke sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RevokeAllSessions ends every session of every account.
func (s *Store) RevokeAllSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.query("revoke-all-sessions"), now)
	if err != nil {
		return 0, fmt.Errorf("account: revoke sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Sessions lists the live sessions of the account, or of every account
// when userID is 0.
func (s *Store) Sessions(ctx context.Context, userID int64, idle time.Duration, now time.Time) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, s.query("list-sessions"), userID, now, now.Add(-idle))
	if err != nil {
		return nil, fmt.Errorf("account: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list sessions: %w", err)
	}
	return out, nil
}

// DeleteOldSessions removes sessions that ended before cutoff.
func (s *Store) DeleteOldSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.query("delete-old-sessions"), cutoff)
	if err != nil {
		return 0, fmt.Errorf("account: delete old sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
