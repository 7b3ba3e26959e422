package account_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

func mustKeys(t *testing.T) *vault.Keys {
	t.Helper()
	k, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sealingStore returns a store that seals authenticator secrets with keys.
func sealingStore(t *testing.T, db *store.DB, keys *vault.Keys) *account.Store {
	t.Helper()
	opt := cheapHash
	opt.Secrets = keys
	s, err := account.NewStore(db, opt)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s
}

// storedTOTP returns the authenticator columns of account id as stored.
func storedTOTP(t *testing.T, db *store.DB, id int64) (secret, kek string) {
	t.Helper()
	if err := db.QueryRowContext(t.Context(), `SELECT totp_secret, totp_kek FROM admin_users WHERE id = $1`, id).Scan(&secret, &kek); err != nil {
		t.Fatalf("read the stored secret of account %d: %v", id, err)
	}
	return secret, kek
}

const (
	secretA = "JBSWY3DPEHPK3PXP"
	secretB = "KRSXG5CTMVRXEZLU"
)

func TestTOTPSecretSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		keys := mustKeys(t)
		s := sealingStore(t, db, keys)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		b := mustCreate(t, s, "b@example.jp", account.Owner)
		if err := s.SetTOTP(ctx, a.ID, secretA); err != nil {
			t.Fatalf("SetTOTP: %v", err)
		}
		if err := s.SetTOTP(ctx, b.ID, secretB); err != nil {
			t.Fatalf("SetTOTP: %v", err)
		}

		for _, v := range tableText(t, db, "admin_users") {
			if strings.Contains(v, secretA) || strings.Contains(v, secretB) {
				t.Fatalf("admin_users holds an authenticator secret in the clear: %q", v)
			}
		}
		if _, kek := storedTOTP(t, db, a.ID); kek != keys.ActiveKEK() {
			t.Errorf("totp_kek = %q, want the active KEK %q", kek, keys.ActiveKEK())
		}
		if got := mustByID(t, s, a.ID); got.TOTPSecret != secretA || !got.HasTOTP() {
			t.Errorf("ByID: TOTPSecret %q, want %q", got.TOTPSecret, secretA)
		}
		if got, err := s.ByEmail(ctx, "b@example.jp"); err != nil || got.TOTPSecret != secretB {
			t.Errorf("ByEmail: TOTPSecret %q, %v; want %q", got.TOTPSecret, err, secretB)
		}
		list, err := s.List(ctx)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, u := range list {
			if want := map[int64]string{a.ID: secretA, b.ID: secretB}[u.ID]; u.TOTPSecret != want {
				t.Errorf("List: account %d has TOTPSecret %q, want %q", u.ID, u.TOTPSecret, want)
			}
		}
		if err := s.VerifyTOTPSecrets(ctx); err != nil {
			t.Errorf("VerifyTOTPSecrets: %v", err)
		}

		// Without the keys, or with other keys, the secret stays shut:
		// reading the account fails rather than showing no second factor.
		for name, other := range map[string]*account.Store{"no keys": newStore(t, db), "other keys": sealingStore(t, db, mustKeys(t))} {
			if u, err := other.ByID(ctx, a.ID); !errors.Is(err, account.ErrSecretsLocked) {
				t.Errorf("%s: ByID = %+v, %v; want ErrSecretsLocked", name, u, err)
			}
			if err := other.VerifyTOTPSecrets(ctx); !errors.Is(err, account.ErrSecretsLocked) {
				t.Errorf("%s: VerifyTOTPSecrets = %v, want ErrSecretsLocked", name, err)
			}
		}

		// Removing the authenticator clears both columns.
		if err := s.ResetSecondFactors(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if secret, kek := storedTOTP(t, db, b.ID); secret != "" || kek != "" {
			t.Errorf("after ResetSecondFactors: stored %q under %q, want nothing", secret, kek)
		}
	})
}

// An attacker who can write to the database and copies one account's
// sealed secret into their own account's row learns nothing: the secret is
// bound to the account it was sealed for.
func TestTOTPSecretBoundToAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := sealingStore(t, db, mustKeys(t))
		victim := mustCreate(t, s, "victim@example.jp", account.Owner)
		attacker := mustCreate(t, s, "attacker@example.jp", account.Analyst)
		if err := s.SetTOTP(ctx, victim.ID, secretA); err != nil {
			t.Fatal(err)
		}
		secret, kek := storedTOTP(t, db, victim.ID)
		if _, err := db.ExecContext(ctx, `UPDATE admin_users SET totp_secret = $2, totp_kek = $3 WHERE id = $1`, attacker.ID, secret, kek); err != nil {
			t.Fatal(err)
		}
		u, err := s.ByID(ctx, attacker.ID)
		if !errors.Is(err, vault.ErrDecrypt) {
			t.Fatalf("ByID of the row with the copied secret = %q, %v; want ErrDecrypt", u.TOTPSecret, err)
		}
	})
}

// Secrets stored before sealing was turned on keep working, and
// SealTOTPSecrets seals them; after a key rotation it reseals them under the
// new key, so that the old one can go.
func TestSealTOTPSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		plain := newStore(t, db)
		a := mustCreate(t, plain, "a@example.jp", account.Owner)
		b := mustCreate(t, plain, "b@example.jp", account.Owner)
		mustCreate(t, plain, "none@example.jp", account.Analyst)
		for id, secret := range map[int64]string{a.ID: secretA, b.ID: secretB} {
			if err := plain.SetTOTP(ctx, id, secret); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := plain.UseTOTPStep(ctx, a.ID, 1000); !ok || err != nil {
			t.Fatalf("UseTOTPStep = %v, %v", ok, err)
		}
		if stored, kek := storedTOTP(t, db, a.ID); stored != secretA || kek != "" {
			t.Fatalf("without keys: stored %q under %q, want the secret as issued", stored, kek)
		}

		keys := mustKeys(t)
		s := sealingStore(t, db, keys)
		if got := mustByID(t, s, a.ID).TOTPSecret; got != secretA {
			t.Errorf("a secret stored as issued reads as %q through a sealing store, want %q", got, secretA)
		}
		checkCounts(t, s, map[string]int{"": 2})
		if n, err := s.SealTOTPSecrets(ctx); n != 2 || err != nil {
			t.Fatalf("SealTOTPSecrets = %d, %v; want 2", n, err)
		}
		checkCounts(t, s, map[string]int{keys.ActiveKEK(): 2})
		if n, err := s.SealTOTPSecrets(ctx); n != 0 || err != nil {
			t.Errorf("SealTOTPSecrets again = %d, %v; want 0", n, err)
		}
		for _, v := range tableText(t, db, "admin_users") {
			if strings.Contains(v, secretA) || strings.Contains(v, secretB) {
				t.Fatalf("after sealing, admin_users holds a secret in the clear: %q", v)
			}
		}
		got := mustByID(t, s, a.ID)
		if got.TOTPSecret != secretA || got.TOTPLastStep != 1000 {
			t.Errorf("after sealing: secret %q, last step %d; want %q and the replay window kept (1000)", got.TOTPSecret, got.TOTPLastStep, secretA)
		}

		// A rotation: the new keys read with the old KEK too, and reseal.
		next, err := keys.WithNewKEK()
		if err != nil {
			t.Fatal(err)
		}
		rotating := sealingStore(t, db, next)
		if n, err := rotating.SealTOTPSecrets(ctx); n != 2 || err != nil {
			t.Fatalf("SealTOTPSecrets with new keys = %d, %v; want 2", n, err)
		}
		checkCounts(t, rotating, map[string]int{next.ActiveKEK(): 2})
		after := sealingStore(t, db, next.ActiveOnly())
		if got := mustByID(t, after, b.ID).TOTPSecret; got != secretB {
			t.Errorf("with the new key alone: secret %q, want %q", got, secretB)
		}
		if _, err := s.ByID(ctx, b.ID); !errors.Is(err, account.ErrSecretsLocked) {
			t.Errorf("with the old key alone after the rotation: %v, want ErrSecretsLocked", err)
		}

		// A secret no key opens stops the run, naming the account.
		if _, err := db.ExecContext(ctx, `UPDATE admin_users SET totp_kek = 'gone' WHERE id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := after.SealTOTPSecrets(ctx); !errors.Is(err, account.ErrSecretsLocked) || !strings.Contains(err.Error(), "account ") {
			t.Errorf("SealTOTPSecrets over a secret under an unknown key = %v, want ErrSecretsLocked naming the account", err)
		}
		if _, err := newStore(t, db).SealTOTPSecrets(ctx); err == nil {
			t.Error("SealTOTPSecrets without keys succeeded")
		}
	})
}

func checkCounts(t *testing.T, s *account.Store, want map[string]int) {
	t.Helper()
	got, err := s.TOTPSecretsByKEK(t.Context())
	if err != nil {
		t.Fatalf("TOTPSecretsByKEK: %v", err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("TOTPSecretsByKEK = %v, want %v (keys %q)", got, want, slices.Sorted(maps.Keys(got)))
	}
}
