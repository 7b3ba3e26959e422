package account_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

const (
	idle     = 30 * time.Minute
	absolute = 12 * time.Hour
)

func startSession(t *testing.T, s *account.Store, userID int64, now time.Time) (string, account.Session) {
	t.Helper()
	id, sess, err := s.StartSession(t.Context(), userID, account.StageFull, absolute, "192.0.2.0", "Firefox on Linux", now)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	return id, sess
}

func TestNewSecret(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		s := account.NewSecret()
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("NewSecret() = %q: not 32 bytes of unpadded base64url (%v)", s, err)
		}
		if seen[s] {
			t.Fatalf("NewSecret() returned %q twice", s)
		}
		seen[s] = true
	}
}

func TestHashSecret(t *testing.T) {
	// SHA-256 of "abc", FIPS 180-2 appendix B.1.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := account.HashSecret("abc"); got != want {
		t.Errorf("HashSecret(abc) = %s, want %s", got, want)
	}
}

func TestStartSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		id, sess, err := s.StartSession(ctx, u.ID, account.StageSecondFactor, absolute, "192.0.2.0", "Safari on macOS", t0)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(id))
		if sess.IDHash != hex.EncodeToString(sum[:]) {
			t.Errorf("IDHash = %s, want the hex SHA-256 of the id", sess.IDHash)
		}
		want := account.Session{
			IDHash: sess.IDHash, UserID: u.ID, Stage: account.StageSecondFactor, CSRF: sess.CSRF,
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(absolute), Address: "192.0.2.0", Agent: "Safari on macOS",
		}
		if sess != want {
			t.Errorf("StartSession = %+v, want %+v", sess, want)
		}
		if len(sess.CSRF) < 43 || sess.CSRF == id {
			t.Errorf("CSRF token %q is short or equals the session id", sess.CSRF)
		}

		// The stored row is found by the hash, and the id itself is
		// nowhere in the table.
		var stored string
		if err := db.QueryRowContext(ctx, "SELECT id_hash FROM admin_sessions WHERE user_id = $1", u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != sess.IDHash {
			t.Errorf("stored id_hash = %s, want %s", stored, sess.IDHash)
		}
		for _, v := range tableText(t, db, "admin_sessions") {
			if strings.Contains(v, id) {
				t.Errorf("the session id is stored in admin_sessions: %q", v)
			}
		}

		got, err := s.Session(ctx, id, idle, t0.Add(time.Second))
		if err != nil {
			t.Fatalf("Session: %v", err)
		}
		if got != want {
			t.Errorf("Session = %+v, want %+v", got, want)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt in %v, want UTC", got.CreatedAt.Location())
		}
	})
}

func TestSessionUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		_, sess := startSession(t, s, u.ID, t0)
		for _, id := range []string{"", account.NewSecret(), sess.IDHash} {
			if _, err := s.Session(t.Context(), id, idle, t0); !errors.Is(err, account.ErrNoSession) {
				t.Errorf("Session(%q) = %v, want ErrNoSession", id, err)
			}
		}
	})
}

func TestSessionIdle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)

		id, _ := startSession(t, s, u.ID, t0)
		if _, err := s.Session(ctx, id, idle, t0.Add(idle)); !errors.Is(err, account.ErrNoSession) {
			t.Errorf("Session idle for exactly the timeout = %v, want ErrNoSession", err)
		}
		if _, err := s.Session(ctx, id, idle, t0.Add(idle-time.Second)); err != nil {
			t.Errorf("Session idle for just under the timeout = %v", err)
		}

		// Each use moves the idle timeout on.
		id, _ = startSession(t, s, u.ID, t0)
		now := t0
		for range 5 {
			now = now.Add(idle - time.Minute)
			if _, err := s.Session(ctx, id, idle, now); err != nil {
				t.Fatalf("Session used every %v, at %v: %v", idle-time.Minute, now.Sub(t0), err)
			}
		}
		if _, err := s.Session(ctx, id, idle, now.Add(idle+time.Second)); !errors.Is(err, account.ErrNoSession) {
			t.Errorf("Session idle for longer than the timeout = %v, want ErrNoSession", err)
		}
	})
}

func TestSessionAbsoluteEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		id, _ := startSession(t, s, u.ID, t0)
		// In use all along, so never idle.
		for now := t0; now.Before(t0.Add(absolute)); now = now.Add(idle / 2) {
			if _, err := s.Session(ctx, id, idle, now); err != nil {
				t.Fatalf("Session at %v: %v", now.Sub(t0), err)
			}
		}
		if _, err := s.Session(ctx, id, idle, t0.Add(absolute-time.Second)); err != nil {
			t.Errorf("Session a second before its end: %v", err)
		}
		for _, at := range []time.Duration{absolute, absolute + time.Second} {
			if _, err := s.Session(ctx, id, idle, t0.Add(at)); !errors.Is(err, account.ErrNoSession) {
				t.Errorf("Session %v after start (absolute end %v) = %v, want ErrNoSession", at, absolute, err)
			}
		}
	})
}

func TestSessionLastSeen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		id, sess := startSession(t, s, u.ID, t0)
		stored := func() time.Time {
			t.Helper()
			var at time.Time
			if err := db.QueryRowContext(ctx, "SELECT last_seen_at FROM admin_sessions WHERE id_hash = $1", sess.IDHash).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}

		// Within a minute of the last write nothing is written.
		got, err := s.Session(ctx, id, idle, t0.Add(59*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastSeenAt.Equal(t0) || !stored().Equal(t0) {
			t.Errorf("after 59s: LastSeenAt %v, stored %v; want both %v", got.LastSeenAt, stored(), t0)
		}

		// A minute on, it is.
		later := t0.Add(time.Minute)
		got, err = s.Session(ctx, id, idle, later)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastSeenAt.Equal(later) || !stored().Equal(later) {
			t.Errorf("after 1m: LastSeenAt %v, stored %v; want both %v", got.LastSeenAt, stored(), later)
		}
		got, err = s.Session(ctx, id, idle, later.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastSeenAt.Equal(later) || !stored().Equal(later) {
			t.Errorf("30s after the write: LastSeenAt %v, stored %v; want both %v", got.LastSeenAt, stored(), later)
		}
	})
}

func TestEndSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		id, sess := startSession(t, s, u.ID, t0)
		other, _ := startSession(t, s, u.ID, t0)
		if err := s.EndSession(ctx, sess.IDHash, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, id, idle, t0.Add(2*time.Minute)); !errors.Is(err, account.ErrNoSession) {
			t.Errorf("Session after EndSession = %v, want ErrNoSession", err)
		}
		if _, err := s.Session(ctx, other, idle, t0.Add(2*time.Minute)); err != nil {
			t.Errorf("EndSession ended another session too: %v", err)
		}
		// Ending it again, or an unknown one, is not an error.
		if err := s.EndSession(ctx, sess.IDHash, t0.Add(time.Hour)); err != nil {
			t.Errorf("EndSession twice: %v", err)
		}
		if err := s.EndSession(ctx, account.HashSecret("unknown"), t0); err != nil {
			t.Errorf("EndSession(unknown): %v", err)
		}
		var revoked time.Time
		if err := db.QueryRowContext(ctx, "SELECT revoked_at FROM admin_sessions WHERE id_hash = $1", sess.IDHash).Scan(&revoked); err != nil {
			t.Fatal(err)
		}
		if !revoked.Equal(t0.Add(time.Minute)) {
			t.Errorf("revoked_at = %v, want the first end %v", revoked, t0.Add(time.Minute))
		}
	})
}

func TestRevokeSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Analyst)
		keep, kept := startSession(t, s, a.ID, t0)
		a2, _ := startSession(t, s, a.ID, t0)
		a3, _ := startSession(t, s, a.ID, t0)
		bs, _ := startSession(t, s, b.ID, t0)

		now := t0.Add(time.Minute)
		n, err := s.RevokeSessions(ctx, a.ID, kept.IDHash, now)
		if err != nil || n != 2 {
			t.Fatalf("RevokeSessions keeping one = %d, %v; want 2", n, err)
		}
		for id, live := range map[string]bool{keep: true, a2: false, a3: false, bs: true} {
			_, err := s.Session(ctx, id, idle, now)
			if live != (err == nil) {
				t.Errorf("after RevokeSessions: Session = %v, want live %v", err, live)
			}
		}

		n, err = s.RevokeSessions(ctx, a.ID, "", now)
		if err != nil || n != 1 {
			t.Fatalf("RevokeSessions keeping none = %d, %v; want 1", n, err)
		}
		if _, err := s.Session(ctx, keep, idle, now); !errors.Is(err, account.ErrNoSession) {
			t.Errorf("the kept session survived RevokeSessions with keep empty: %v", err)
		}
		if _, err := s.Session(ctx, bs, idle, now); err != nil {
			t.Errorf("another account's session was revoked: %v", err)
		}
	})
}

func TestRevokeAllSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Analyst)
		ids := []string{}
		for _, u := range []account.User{a, a, b} {
			id, _ := startSession(t, s, u.ID, t0)
			ids = append(ids, id)
		}
		_, ended := startSession(t, s, b.ID, t0)
		if err := s.EndSession(ctx, ended.IDHash, t0); err != nil {
			t.Fatal(err)
		}
		n, err := s.RevokeAllSessions(ctx, t0.Add(time.Minute))
		if err != nil || n != 3 {
			t.Fatalf("RevokeAllSessions = %d, %v; want 3 (the ended one not counted)", n, err)
		}
		for _, id := range ids {
			if _, err := s.Session(ctx, id, idle, t0.Add(time.Minute)); !errors.Is(err, account.ErrNoSession) {
				t.Errorf("a session survived RevokeAllSessions: %v", err)
			}
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Analyst)
		now := t0.Add(2 * time.Hour)

		_, oldest := startSession(t, s, a.ID, now.Add(-20*time.Minute))
		_, newest := startSession(t, s, a.ID, now.Add(-time.Minute))
		_, middle := startSession(t, s, a.ID, now.Add(-10*time.Minute))
		_, other := startSession(t, s, b.ID, now.Add(-5*time.Minute))
		_, revoked := startSession(t, s, a.ID, now.Add(-time.Minute))
		if err := s.EndSession(ctx, revoked.IDHash, now); err != nil {
			t.Fatal(err)
		}
		startSession(t, s, a.ID, now.Add(-idle-time.Minute))                                                               // idle too long
		if _, _, err := s.StartSession(ctx, a.ID, account.StageFull, time.Hour, "", "", now.Add(-time.Hour)); err != nil { // past its end
			t.Fatal(err)
		}

		hashes := func(list []account.Session) []string {
			var out []string
			for _, sess := range list {
				out = append(out, sess.IDHash)
			}
			return out
		}
		list, err := s.Sessions(ctx, a.ID, idle, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := hashes(list), []string{newest.IDHash, middle.IDHash, oldest.IDHash}; !slices.Equal(got, want) {
			t.Errorf("Sessions(a) = %q, want %q (live ones, last seen first)", got, want)
		}
		if len(list) > 0 && list[0] != newest {
			t.Errorf("Sessions(a)[0] = %+v, want %+v", list[0], newest)
		}

		list, err = s.Sessions(ctx, 0, idle, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := hashes(list), []string{newest.IDHash, other.IDHash, middle.IDHash, oldest.IDHash}; !slices.Equal(got, want) {
			t.Errorf("Sessions(every account) = %q, want %q", got, want)
		}

		c := mustCreate(t, s, "c@example.jp", account.Auditor)
		if list, err := s.Sessions(ctx, c.ID, idle, now); err != nil || len(list) != 0 {
			t.Errorf("Sessions(none) = %v, %v", list, err)
		}
	})
}

func TestDeleteOldSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		cutoff := t0.Add(30 * 24 * time.Hour)

		// Ended by its absolute end before the cutoff: deleted.
		startSession(t, s, u.ID, cutoff.Add(-absolute-time.Hour))
		// Revoked before the cutoff, though its end is after: deleted.
		_, revoked := startSession(t, s, u.ID, cutoff.Add(-time.Hour))
		if err := s.EndSession(ctx, revoked.IDHash, cutoff.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Revoked after the cutoff: kept.
		_, recent := startSession(t, s, u.ID, cutoff.Add(-time.Hour))
		if err := s.EndSession(ctx, recent.IDHash, cutoff.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Still live: kept.
		_, live := startSession(t, s, u.ID, cutoff)

		n, err := s.DeleteOldSessions(ctx, cutoff)
		if err != nil || n != 2 {
			t.Fatalf("DeleteOldSessions = %d, %v; want 2", n, err)
		}
		rows, err := db.QueryContext(ctx, "SELECT id_hash FROM admin_sessions")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var left []string
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			left = append(left, h)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(left)
		want := []string{recent.IDHash, live.IDHash}
		slices.Sort(want)
		if !slices.Equal(left, want) {
			t.Errorf("sessions left = %q, want %q", left, want)
		}
	})
}
