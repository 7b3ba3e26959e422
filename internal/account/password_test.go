package account_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func TestPasswordRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Owner)

		if !strings.HasPrefix(a.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("hash %q is not an argon2id PHC string with the configured parameters", a.PasswordHash)
		}
		if strings.Contains(a.PasswordHash, password) {
			t.Errorf("hash %q contains the password", a.PasswordHash)
		}
		if a.PasswordHash == b.PasswordHash {
			t.Error("two accounts with the same password have the same hash: the salt is not random")
		}
		if err := s.CheckPassword(ctx, a, password); err != nil {
			t.Errorf("CheckPassword(right password) = %v", err)
		}
		for _, wrong := range []string{"", "plum blossoms in February", password + " ", password[:len(password)-1], strings.Repeat("x", 2000)} {
			if err := s.CheckPassword(ctx, a, wrong); !errors.Is(err, account.ErrWrongPassword) {
				t.Errorf("CheckPassword(%.20q) = %v, want ErrWrongPassword", wrong, err)
			}
		}
		// HashDecoy only spends time; it must not fail or change anything.
		s.HashDecoy(ctx, password)
		if err := s.CheckPassword(ctx, mustByID(t, s, a.ID), password); err != nil {
			t.Errorf("after HashDecoy, CheckPassword = %v", err)
		}
	})
}

// TestPasswordCorruptHash checks that a stored hash that cannot be read is
// an error of its own, not a wrong password.
func TestPasswordCorruptHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		u := mustCreate(t, s, "a@example.jp", account.Owner)
		u.PasswordHash = "$2a$10$abcdefghijklmnopqrstuu"
		err := s.CheckPassword(t.Context(), u, password)
		if err == nil || errors.Is(err, account.ErrWrongPassword) {
			t.Errorf("CheckPassword with a bcrypt hash = %v, want an error other than ErrWrongPassword", err)
		}
	})
}

// TestPasswordOtherParameters checks that a hash keeps verifying after the
// configured parameters change, since each hash records its own.
func TestPasswordOtherParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		old := newStore(t, db)
		u := mustCreate(t, old, "a@example.jp", account.Owner)

		raised, err := account.NewStore(db, account.Options{Hash: account.HashParams{Memory: 256, Time: 2, Threads: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if err := raised.CheckPassword(ctx, u, password); err != nil {
			t.Errorf("a hash made with m=64,t=1,p=1 does not verify under m=256,t=2,p=2: %v", err)
		}
		if err := raised.SetPassword(ctx, u, "a brand new passphrase", t0); err != nil {
			t.Fatal(err)
		}
		u = mustByID(t, raised, u.ID)
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=256,t=2,p=2$") {
			t.Errorf("new hash %q does not use the new parameters", u.PasswordHash)
		}
		if err := old.CheckPassword(ctx, u, "a brand new passphrase"); err != nil {
			t.Errorf("a hash made with m=256,t=2,p=2 does not verify under m=64,t=1,p=1: %v", err)
		}
	})
}

// TestPasswordDefaultParameters checks that a Store given no parameters
// hashes with DefaultHashParams and says so in the PHC string.
func TestPasswordDefaultParameters(t *testing.T) {
	want := account.HashParams{Memory: 64 * 1024, Time: 3, Threads: 2}
	if account.DefaultHashParams != want {
		t.Fatalf("DefaultHashParams = %+v, want %+v (RFC 9106's second option)", account.DefaultHashParams, want)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, err := account.NewStore(db, account.Options{})
		if err != nil {
			t.Fatal(err)
		}
		u := mustCreate(t, s, "a@example.jp", account.Owner)
		phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
		if !phc.MatchString(u.PasswordHash) {
			t.Errorf("hash %q is not argon2id with m=65536,t=3,p=2, a 16-byte salt and a 32-byte key", u.PasswordHash)
		}
		if err := s.CheckPassword(t.Context(), u, password); err != nil {
			t.Errorf("CheckPassword = %v", err)
		}
	})
}

func TestCheckPasswordStrength(t *testing.T) {
	for _, tc := range []struct {
		name, password, email string
		wantErr               string // substring; empty for no error
	}{
		{"eleven", "abcdefghijk", "", "has 11 characters; at least 12"},
		{"twelve", "abcdefghijkm", "", ""},
		{"empty", "", "", "has 0 characters"},
		{"japanese twelve runes", "さくらのはなびらがまいお", "", ""},
		// 11 runes are 33 bytes: runes count, not bytes.
		{"japanese eleven runes", "さくらのはなびらがまい", "", "has 11 characters"},
		{"mixed", "パスワードは長いほうがいい", "", ""},
		{"max bytes", strings.Repeat("a", 1024), "", ""},
		{"too many bytes", strings.Repeat("a", 1025), "", "longer than 1024 bytes"},
		// 342 runes of 3 bytes are 1026 bytes.
		{"too many bytes japanese", strings.Repeat("あ", 342), "", "longer than 1024 bytes"},
		{"invalid utf-8", "abcdefghijkl\xff", "", "not valid UTF-8"},
		{"contains e-mail name", "my name is hanako sato", "hanako@example.jp", "e-mail name"},
		{"contains e-mail name in other case", "HANAKO-loves-plums", "Hanako@example.jp", "e-mail name"},
		{"short e-mail name ignored", "bob bob bob bob", "bob@example.jp", ""},
		{"e-mail name not contained", "plum blossoms in february", "hanako@example.jp", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := account.CheckPasswordStrength(tc.password, tc.email)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("CheckPasswordStrength = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("CheckPasswordStrength = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	format := regexp.MustCompile(`^[` + alphabet + `]{5}(-[` + alphabet + `]{5}){3}$`)
	seen := make(map[string]bool)
	used := make(map[rune]bool)
	for range 2000 {
		p := account.GeneratePassword()
		if !format.MatchString(p) {
			t.Fatalf("GeneratePassword() = %q, want four groups of five from the alphabet", p)
		}
		if strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("GeneratePassword() = %q has a look-alike character", p)
		}
		if err := account.CheckPasswordStrength(p, "someone@example.jp"); err != nil {
			t.Fatalf("GeneratePassword() = %q fails CheckPasswordStrength: %v", p, err)
		}
		if seen[p] {
			t.Fatalf("GeneratePassword() returned %q twice", p)
		}
		seen[p] = true
		for _, r := range strings.ReplaceAll(p, "-", "") {
			used[r] = true
		}
	}
	// 40,000 draws from 57 characters: missing one by chance is
	// vanishingly unlikely, so a miss means part of the alphabet is unused.
	for _, r := range alphabet {
		if !used[r] {
			t.Errorf("GeneratePassword never used %q", r)
		}
	}
}
