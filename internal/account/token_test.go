package account_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func mustCreateToken(t *testing.T, s *account.Store, u account.User, name string, role account.Role, expires, now time.Time) (string, account.Token) {
	t.Helper()
	secret, tok, err := s.CreateToken(t.Context(), u, name, role, expires, now)
	if err != nil {
		t.Fatalf("CreateToken(%s as %s): %v", u.Role, role, err)
	}
	return secret, tok
}

func TestCreateToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		expires := t0.Add(365 * 24 * time.Hour)
		secret, tok, err := s.CreateToken(ctx, u, "  nightly export ", account.Analyst, expires, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^noren_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
			t.Errorf("secret %q is not noren_ and 32 random bytes in base64url", secret)
		}
		want := account.Token{
			ID: tok.ID, UserID: u.ID, Name: "nightly export", Role: account.Analyst,
			Hint: secret[:12], CreatedAt: t0, ExpiresAt: expires,
		}
		if tok != want {
			t.Errorf("CreateToken = %+v, want %+v", tok, want)
		}
		if !strings.HasPrefix(tok.Hint, account.TokenPrefix) || len(tok.Hint) != len(account.TokenPrefix)+6 {
			t.Errorf("Hint = %q, want the prefix and six characters", tok.Hint)
		}
		if !tok.Active(t0) || tok.Active(expires) {
			t.Errorf("Active(now) = %v, Active(expiry) = %v; want true, false", tok.Active(t0), tok.Active(expires))
		}

		// Shown once: only the hash is stored, and nothing past the hint.
		var hash string
		if err := db.QueryRowContext(ctx, "SELECT hash FROM admin_tokens WHERE id = $1", tok.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if hash != account.HashSecret(secret) {
			t.Errorf("stored hash = %s, want HashSecret(secret)", hash)
		}
		rest := secret[len(tok.Hint):]
		for _, v := range tableText(t, db, "admin_tokens") {
			if strings.Contains(v, secret) || strings.Contains(v, rest) {
				t.Errorf("the secret is stored in admin_tokens: %q", v)
			}
		}

		second, tok2 := mustCreateToken(t, s, u, "deploy", account.Owner, time.Time{}, t0)
		if second == secret || tok2.ID == tok.ID {
			t.Error("two tokens share a secret or an id")
		}
		if !tok2.ExpiresAt.IsZero() || !tok2.Active(t0.Add(100*365*24*time.Hour)) {
			t.Errorf("a token without expiry has ExpiresAt %v", tok2.ExpiresAt)
		}
	})
}

func TestCreateTokenRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		owner := mustCreate(t, s, "owner@example.jp", account.Owner)
		analyst := mustCreate(t, s, "analyst@example.jp", account.Analyst)
		for _, tc := range []struct {
			name    string
			user    account.User
			token   string
			role    account.Role
			expires time.Time
			wantErr string
		}{
			{"no name", owner, "  ", account.Owner, time.Time{}, "needs a name"},
			{"long name", owner, strings.Repeat("n", 101), account.Owner, time.Time{}, "longer than 100"},
			{"past expiry", owner, "ci", account.Owner, t0.Add(-time.Second), "in the past"},
			{"expiry now", owner, "ci", account.Owner, t0, "in the past"},
			{"analyst as owner", analyst, "ci", account.Owner, time.Time{}, "cannot issue a token acting as owner"},
			{"analyst as auditor", analyst, "ci", account.Auditor, time.Time{}, "cannot issue a token acting as auditor"},
			{"unknown role", owner, "ci", "admin", time.Time{}, "unknown role"},
		} {
			_, _, err := s.CreateToken(t.Context(), tc.user, tc.token, tc.role, tc.expires, t0)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: CreateToken = %v, want an error containing %q", tc.name, err, tc.wantErr)
			}
		}
		if n := countRows(t, db, "admin_tokens"); n != 0 {
			t.Errorf("%d refused tokens were stored", n)
		}
		if _, _, err := s.CreateToken(t.Context(), owner, strings.Repeat("n", 100), account.Owner, time.Time{}, t0); err != nil {
			t.Errorf("a 100-character name: %v", err)
		}
	})
}

// TestCreateTokenDelegation issues a token from each role as each role and
// checks it against the delegation table of TestMayDelegate.
func TestCreateTokenDelegation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		for _, r := range account.Roles() {
			u := mustCreate(t, s, string(r)+"@example.jp", r)
			for j, tr := range account.Roles() {
				secret, _, err := s.CreateToken(t.Context(), u, "t", tr, time.Time{}, t0)
				if want := delegation[r][j]; (err == nil) != want {
					t.Errorf("%s issuing a %s token: %v; want allowed %v", r, tr, err, want)
					continue
				}
				if err != nil {
					continue
				}
				tok, got, err := s.Authenticate(t.Context(), secret, t0)
				if err != nil || tok.Role != tr || got.ID != u.ID {
					t.Errorf("Authenticate a %s's %s token = %s, %d, %v", r, tr, tok.Role, got.ID, err)
				}
			}
		}
	})
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Analyst)
		secret, created := mustCreateToken(t, s, u, "dashboard", account.Analyst, t0.Add(24*time.Hour), t0)

		now := t0.Add(time.Hour)
		tok, got, err := s.Authenticate(ctx, secret, now)
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID != created.ID || tok.Role != account.Analyst || got.ID != u.ID || got.Email != u.Email {
			t.Errorf("Authenticate = %+v, %+v", tok, got)
		}
		if !tok.LastUsedAt.Equal(now) {
			t.Errorf("LastUsedAt = %v, want %v", tok.LastUsedAt, now)
		}
		// Use is recorded at most once a minute.
		tok, _, err = s.Authenticate(ctx, secret, now.Add(30*time.Second))
		if err != nil || !tok.LastUsedAt.Equal(now) {
			t.Errorf("30s later: LastUsedAt = %v, %v; want %v", tok.LastUsedAt, err, now)
		}
		tok, _, err = s.Authenticate(ctx, secret, now.Add(time.Minute))
		if err != nil || !tok.LastUsedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("1m later: LastUsedAt = %v, %v; want %v", tok.LastUsedAt, err, now.Add(time.Minute))
		}
		list, err := s.Tokens(ctx, u.ID)
		if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("Tokens after use = %+v, %v", list, err)
		}

		for _, bad := range []string{
			"",
			secret[len(account.TokenPrefix):], // without the prefix
			account.TokenPrefix + account.NewSecret(), // unknown
			strings.ToUpper(secret),
			secret + "x",
			account.HashSecret(secret),
		} {
			if _, _, err := s.Authenticate(ctx, bad, now); !errors.Is(err, account.ErrBadToken) {
				t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
			}
		}

		// Past its expiry.
		for _, at := range []time.Time{created.ExpiresAt, created.ExpiresAt.Add(time.Hour)} {
			if _, _, err := s.Authenticate(ctx, secret, at); !errors.Is(err, account.ErrBadToken) {
				t.Errorf("Authenticate at %v (expiry %v) = %v, want ErrBadToken", at, created.ExpiresAt, err)
			}
		}
	})
}

func TestAuthenticateRevoked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		secret, tok := mustCreateToken(t, s, u, "ci", account.Owner, time.Time{}, t0)
		keep, _ := mustCreateToken(t, s, u, "backup", account.Owner, time.Time{}, t0)
		if err := s.RevokeToken(ctx, tok.ID, u.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, secret, t0.Add(time.Hour)); !errors.Is(err, account.ErrBadToken) {
			t.Errorf("Authenticate(revoked) = %v, want ErrBadToken", err)
		}
		if _, _, err := s.Authenticate(ctx, keep, t0.Add(time.Hour)); err != nil {
			t.Errorf("revoking one token broke another: %v", err)
		}
	})
}

// TestAuthenticateAccount checks that a token never outlives what its
// account may do.
func TestAuthenticateAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		now := t0.Add(time.Hour)

		// Disabled account.
		mustCreate(t, s, "owner@example.jp", account.Owner)
		h := mustCreate(t, s, "handler@example.jp", account.Handler)
		hs, _ := mustCreateToken(t, s, h, "inbox", account.Handler, time.Time{}, t0)
		if err := s.SetDisabled(ctx, h, true, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, hs, now); !errors.Is(err, account.ErrBadToken) {
			t.Errorf("Authenticate for a disabled account = %v, want ErrBadToken", err)
		}
		if err := s.SetDisabled(ctx, h, false, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, hs, now); err != nil {
			t.Errorf("Authenticate once re-enabled = %v", err)
		}

		// Contractor past the end of their access, though the token has no
		// expiry of its own.
		c := mustCreate(t, s, "contractor@example.jp", account.Contractor)
		cs, _ := mustCreateToken(t, s, c, "inbox", account.Contractor, time.Time{}, t0)
		if _, _, err := s.Authenticate(ctx, cs, c.ExpiresAt.Add(-time.Second)); err != nil {
			t.Errorf("Authenticate before the contractor's expiry = %v", err)
		}
		if _, _, err := s.Authenticate(ctx, cs, c.ExpiresAt); !errors.Is(err, account.ErrBadToken) {
			t.Errorf("Authenticate at the contractor's expiry = %v, want ErrBadToken", err)
		}

		// Owner demoted to analyst: the owner token stops working, the
		// analyst one goes on.
		o := mustCreate(t, s, "second-owner@example.jp", account.Owner)
		ownerToken, _ := mustCreateToken(t, s, o, "admin script", account.Owner, time.Time{}, t0)
		analystToken, _ := mustCreateToken(t, s, o, "dashboard", account.Analyst, time.Time{}, t0)
		if _, _, err := s.Authenticate(ctx, ownerToken, now); err != nil {
			t.Fatalf("Authenticate before the demotion = %v", err)
		}
		if _, err := s.Update(ctx, o.ID, account.Profile{Role: account.Analyst}, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, ownerToken, now); !errors.Is(err, account.ErrBadToken) {
			t.Errorf("Authenticate an owner token of a demoted account = %v, want ErrBadToken", err)
		}
		if tok, u, err := s.Authenticate(ctx, analystToken, now); err != nil || tok.Role != account.Analyst || u.Role != account.Analyst {
			t.Errorf("Authenticate an analyst token of the demoted account = %s, %s, %v", tok.Role, u.Role, err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Analyst)
		c := mustCreate(t, s, "c@example.jp", account.Auditor)
		_, a1 := mustCreateToken(t, s, a, "first", account.Owner, time.Time{}, t0)
		_, b1 := mustCreateToken(t, s, b, "b's", account.Analyst, time.Time{}, t0.Add(time.Minute))
		_, a2 := mustCreateToken(t, s, a, "second", account.Auditor, t0.Add(time.Hour), t0.Add(2*time.Minute))
		_, a3 := mustCreateToken(t, s, a, "same time", account.Analyst, time.Time{}, t0.Add(2*time.Minute))
		if err := s.RevokeToken(ctx, a1.ID, a.ID, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}

		names := func(list []account.Token) []string {
			var out []string
			for _, tok := range list {
				out = append(out, tok.Name)
			}
			return out
		}
		list, err := s.Tokens(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(list), []string{a3.Name, a2.Name, a1.Name}; !slices.Equal(got, want) {
			t.Errorf("Tokens(a) = %q, want %q (newest first, revoked included)", got, want)
		}
		if len(list) == 3 {
			if list[1] != a2 {
				t.Errorf("Tokens(a)[1] = %+v, want %+v", list[1], a2)
			}
			if !list[2].RevokedAt.Equal(t0.Add(3*time.Minute)) || list[2].Active(t0.Add(3*time.Minute)) {
				t.Errorf("revoked token listed with RevokedAt %v", list[2].RevokedAt)
			}
		}

		list, err = s.Tokens(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := names(list), []string{a3.Name, a2.Name, b1.Name, a1.Name}; !slices.Equal(got, want) {
			t.Errorf("Tokens(every account) = %q, want %q", got, want)
		}

		if list, err := s.Tokens(ctx, c.ID); err != nil || len(list) != 0 {
			t.Errorf("Tokens(none) = %v, %v", list, err)
		}
	})
}

func TestRevokeToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Analyst)
		as, at := mustCreateToken(t, s, a, "a's", account.Owner, time.Time{}, t0)
		bs, bt := mustCreateToken(t, s, b, "b's", account.Analyst, time.Time{}, t0)

		// Someone revoking their own tokens cannot touch another's.
		if err := s.RevokeToken(ctx, at.ID, b.ID, t0); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("RevokeToken of another account's token = %v, want ErrNotFound", err)
		}
		if _, _, err := s.Authenticate(ctx, as, t0); err != nil {
			t.Errorf("the token survives a refused revocation: %v", err)
		}
		if err := s.RevokeToken(ctx, at.ID+bt.ID+100, a.ID, t0); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("RevokeToken(unknown) = %v, want ErrNotFound", err)
		}

		// Its owner can, and so can anyone acting for every account.
		if err := s.RevokeToken(ctx, at.ID, a.ID, t0); err != nil {
			t.Errorf("RevokeToken of one's own token: %v", err)
		}
		if err := s.RevokeToken(ctx, bt.ID, 0, t0); err != nil {
			t.Errorf("RevokeToken for any account: %v", err)
		}
		for _, secret := range []string{as, bs} {
			if _, _, err := s.Authenticate(ctx, secret, t0); !errors.Is(err, account.ErrBadToken) {
				t.Errorf("Authenticate after RevokeToken = %v, want ErrBadToken", err)
			}
		}
		// Revoking twice keeps the first time and reports nothing to do.
		if err := s.RevokeToken(ctx, at.ID, a.ID, t0.Add(time.Hour)); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("RevokeToken twice = %v, want ErrNotFound", err)
		}
		list, err := s.Tokens(ctx, a.ID)
		if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(t0) {
			t.Errorf("Tokens after revoking twice = %+v, %v; want RevokedAt %v", list, err, t0)
		}
	})
}
