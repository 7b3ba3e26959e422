package account_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// newPasskey returns a passkey of the account whose credential id ends in
// tag, so that each is unique.
func newPasskey(userID int64, tag byte) account.Passkey {
	return account.Passkey{
		UserID:         userID,
		CredentialID:   []byte{0xc0, 0xff, 0xee, tag},
		PublicKey:      []byte{0xa5, 0x01, 0x02, tag},
		SignCount:      7,
		Transports:     []string{"usb", "nfc"},
		AAGUID:         bytes.Repeat([]byte{tag}, 16),
		BackupEligible: true,
		BackupState:    false,
		Name:           "  YubiKey   5 ",
	}
}

func mustAddPasskey(t *testing.T, s *account.Store, p account.Passkey, now time.Time) account.Passkey {
	t.Helper()
	out, err := s.AddPasskey(t.Context(), p, "Passkey", now)
	if err != nil {
		t.Fatalf("AddPasskey: %v", err)
	}
	return out
}

func TestAddPasskey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		other := mustCreate(t, s, "taro@example.jp", account.Analyst)

		added := mustAddPasskey(t, s, newPasskey(u.ID, 1), t0)
		want := newPasskey(u.ID, 1)
		want.ID, want.Name, want.CreatedAt = added.ID, "YubiKey 5", t0
		if !reflect.DeepEqual(added, want) {
			t.Errorf("AddPasskey returned\n%+v\nwant\n%+v", added, want)
		}
		got, err := s.PasskeyByCredentialID(ctx, want.CredentialID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("PasskeyByCredentialID = %+v, %v; want %+v", got, err, want)
		}

		// An unnamed passkey gets the default name; no transports and no
		// AAGUID are kept as such.
		bare := account.Passkey{UserID: u.ID, CredentialID: []byte{2}, PublicKey: []byte{2}}
		bare = mustAddPasskey(t, s, bare, t0.Add(time.Minute))
		if bare.Name != "Passkey" || bare.Transports != nil || len(bare.AAGUID) != 0 || bare.BackupEligible {
			t.Errorf("bare passkey stored as %+v", bare)
		}

		// A credential is registered once, whichever account tries again.
		for _, owner := range []int64{u.ID, other.ID} {
			p := newPasskey(owner, 1)
			if _, err := s.AddPasskey(ctx, p, "Passkey", t0); !errors.Is(err, account.ErrPasskeyExists) {
				t.Errorf("the same credential again for account %d: %v, want ErrPasskeyExists", owner, err)
			}
		}
		for _, p := range []account.Passkey{
			{UserID: u.ID, PublicKey: []byte{1}},
			{UserID: u.ID, CredentialID: []byte{9}},
			{UserID: u.ID, CredentialID: []byte{9}, PublicKey: []byte{9}, Name: strings.Repeat("鍵", account.MaxPasskeyName+1)},
		} {
			if _, err := s.AddPasskey(ctx, p, "Passkey", t0); err == nil {
				t.Errorf("AddPasskey(%+v) accepted a bad passkey", p)
			}
		}

		list, err := s.Passkeys(ctx, u.ID)
		if err != nil || len(list) != 2 || list[0].ID != added.ID || list[1].ID != bare.ID {
			t.Errorf("Passkeys = %+v, %v; want the two added, oldest first", list, err)
		}
		if n, err := s.CountPasskeys(ctx, u.ID); n != 2 || err != nil {
			t.Errorf("CountPasskeys = %d, %v; want 2", n, err)
		}
		if n, err := s.CountPasskeys(ctx, other.ID); n != 0 || err != nil {
			t.Errorf("CountPasskeys of an account without passkeys = %d, %v", n, err)
		}
		if _, err := s.PasskeyByCredentialID(ctx, []byte("unknown")); !errors.Is(err, account.ErrNoPasskey) {
			t.Errorf("unknown credential: %v, want ErrNoPasskey", err)
		}
	})
}

func TestCheckPasskeyName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"", true},
		{"iPhone", true},
		{"仕事用のセキュリティキー", true},
		{strings.Repeat("a", account.MaxPasskeyName), true},
		{strings.Repeat("a", account.MaxPasskeyName+1), false},
		{"\xff", false},
	} {
		if err := account.CheckPasskeyName(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckPasskeyName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestUsePasskey checks the signature counter: it must grow at each use,
// except for authenticators that always report 0.
func TestUsePasskey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		counted := mustAddPasskey(t, s, newPasskey(u.ID, 1), t0) // counter at 7
		synced := newPasskey(u.ID, 2)
		synced.SignCount = 0
		synced = mustAddPasskey(t, s, synced, t0)

		steps := []struct {
			p       account.Passkey
			count   uint32
			wantErr error
		}{
			{counted, 8, nil},
			{counted, 8, account.ErrSignCount}, // replayed or cloned
			{counted, 5, account.ErrSignCount}, // went backwards
			{counted, 20, nil},                 // gaps are fine
			{counted, 0, account.ErrSignCount}, // a counter cannot return to 0
			{synced, 0, nil},
			{synced, 0, nil},
			{synced, 3, nil}, // starting to count is fine
			{synced, 0, account.ErrSignCount},
		}
		for i, st := range steps {
			now := t0.Add(time.Duration(i+1) * time.Minute)
			err := s.UsePasskey(ctx, st.p.ID, st.count, true, now)
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("step %d: UsePasskey(%s, %d) = %v, want %v", i, st.p.Name, st.count, err, st.wantErr)
			}
			got, err := s.PasskeyByCredentialID(ctx, st.p.CredentialID)
			if err != nil {
				t.Fatal(err)
			}
			if st.wantErr == nil && (got.SignCount != st.count || !got.LastUsedAt.Equal(now) || !got.BackupState) {
				t.Errorf("step %d: after use %+v, want count %d used at %v", i, got, st.count, now)
			}
			if st.wantErr != nil && got.LastUsedAt.Equal(now) {
				t.Errorf("step %d: a refused use was recorded", i)
			}
		}
	})
}

func TestRemovePasskey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		other := mustCreate(t, s, "taro@example.jp", account.Owner)
		p := mustAddPasskey(t, s, newPasskey(u.ID, 1), t0)
		if err := s.RemovePasskey(ctx, other.ID, p.ID); !errors.Is(err, account.ErrNoPasskey) {
			t.Errorf("removing another account's passkey: %v, want ErrNoPasskey", err)
		}
		if err := s.RemovePasskey(ctx, u.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RemovePasskey(ctx, u.ID, p.ID); !errors.Is(err, account.ErrNoPasskey) {
			t.Errorf("removing twice: %v, want ErrNoPasskey", err)
		}
		if n := countRows(t, db, "admin_passkeys"); n != 0 {
			t.Errorf("%d passkeys left", n)
		}
	})
}

// TestResetSecondFactorsRemovesPasskeys checks that an owner's reset takes
// the passkeys with the authenticator app, and only the account's own.
func TestResetSecondFactorsRemovesPasskeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		other := mustCreate(t, s, "taro@example.jp", account.Owner)
		if err := s.SetTOTP(ctx, u.ID, "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		mustAddPasskey(t, s, newPasskey(u.ID, 1), t0)
		mustAddPasskey(t, s, newPasskey(u.ID, 2), t0)
		kept := mustAddPasskey(t, s, newPasskey(other.ID, 3), t0)
		if err := s.ResetSecondFactors(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if got := mustByID(t, s, u.ID); got.HasTOTP() {
			t.Error("the authenticator app survived the reset")
		}
		if n, _ := s.CountPasskeys(ctx, u.ID); n != 0 {
			t.Errorf("%d passkeys survived the reset", n)
		}
		if list, _ := s.Passkeys(ctx, other.ID); len(list) != 1 || list[0].ID != kept.ID {
			t.Errorf("the reset touched another account's passkeys: %+v", list)
		}
		if err := s.ResetSecondFactors(ctx, 999999); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("reset of no account: %v, want ErrNotFound", err)
		}
	})
}

// TestPasskeyHandle checks that an account's handle is random, made once
// and kept, and goes with the account.
func TestPasskeyHandle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		other := mustCreate(t, s, "taro@example.jp", account.Owner)
		first, err := s.PasskeyHandle(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.PasskeyHandle(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := s.PasskeyHandle(ctx, other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 32 || !bytes.Equal(first, again) || bytes.Equal(first, theirs) {
			t.Errorf("handles %x, %x (again), %x (another account): want 32 bytes, stable, distinct", first, again, theirs)
		}

		// Passkeys and the handle are removed with their account.
		mustAddPasskey(t, s, newPasskey(u.ID, 1), t0)
		if _, err := db.ExecContext(ctx, "DELETE FROM admin_users WHERE id = $1", u.ID); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "admin_passkeys") + countRows(t, db, "admin_passkey_handles"); n != 1 {
			t.Errorf("%d passkey rows left after deleting the account, want only the other account's handle", n)
		}
	})
}
