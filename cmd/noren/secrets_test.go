package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

const totpSecret = "JBSWY3DPEHPK3PXP"

// openAccounts opens the accounts of the SQLite database in dir, sealing
// with keys (nil for none).
func openAccounts(t *testing.T, dir string, keys *vault.Keys) (*store.DB, *account.Store) {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "noren.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := account.NewStore(db, account.Options{Secrets: keys, Hash: account.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// storedSecret returns the authenticator columns of the account as
// stored.
func storedSecret(t *testing.T, db *store.DB, email string) (secret, kek string) {
	t.Helper()
	err := db.QueryRowContext(context.Background(), `SELECT totp_secret, totp_kek FROM admin_users WHERE email = $1`, email).Scan(&secret, &kek)
	if err != nil {
		t.Fatal(err)
	}
	return secret, kek
}

// TestServeSealsSecretsAndAnchors: noren serve, started with vault keys on
// a database whose authenticator secret was stored as issued (by an older
// Noren), seals it, and signs the audit trail's head into the anchor file
// at once. The data folder it creates is for its owner only, and so are
// the database files.
func TestServeSealsSecretsAndAnchors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	keyFile, anchorKey, anchorFile := filepath.Join(dir, "vault.keys"), filepath.Join(dir, "anchor.key"), filepath.Join(dir, "anchors.jsonl")
	if code, _, stderr := runNoren("keys", "generate", keyFile); code != 0 {
		t.Fatalf("keys generate: %s", stderr)
	}
	code, pub, stderr := runNoren("audit", "anchor-key", "generate", anchorKey)
	if code != 0 {
		t.Fatalf("anchor-key generate: %s", stderr)
	}
	if code, _, stderr := runNoren("user", "add", "--data", data, "--email", "owner@example.jp", "--role", "owner"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	for name, want := range map[string]os.FileMode{data: 0o700, filepath.Join(data, "noren.db"): 0o600} {
		if info, err := os.Stat(name); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %04o", filepath.Base(name), info.Mode(), err, want)
		}
	}
	db, plain := openAccounts(t, data, nil)
	u, err := plain.ByEmail(context.Background(), "owner@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.SetTOTP(context.Background(), u.ID, totpSecret); err != nil {
		t.Fatal(err)
	}
	if secret, kek := storedSecret(t, db, u.Email); secret != totpSecret || kek != "" {
		t.Fatalf("without keys the secret is stored %q under %q, want as issued", secret, kek)
	}

	p := startWith(t, []string{
		"NOREN_VAULT_KEY_FILE=" + keyFile,
		"NOREN_AUDIT_ANCHOR_KEY_FILE=" + anchorKey,
		"NOREN_AUDIT_ANCHOR_FILE=" + anchorFile,
	}, "serve", "--listen", "127.0.0.1:0", "--data", data, "--manifest", "../../web/demo/manifest.yaml",
		"--site-root", "../../web/demo/site")
	stop(t, p, syscall.SIGTERM)

	keys, err := vault.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if secret, kek := storedSecret(t, db, u.Email); secret == totpSecret || kek != keys.ActiveKEK() {
		t.Errorf("after serve: the secret is stored %q under %q, want it sealed under %s", secret, kek, keys.ActiveKEK())
	}
	_, sealing := openAccounts(t, data, keys)
	if got, err := sealing.ByID(context.Background(), u.ID); err != nil || got.TOTPSecret != totpSecret {
		t.Errorf("with the keys the secret reads %q, %v; want %q", got.TOTPSecret, err, totpSecret)
	}
	for _, name := range []string{"noren.db", "noren.db-wal", "noren.db-shm"} {
		if info, err := os.Stat(filepath.Join(data, name)); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, info.Mode().Perm())
		}
	}

	f, err := os.Open(anchorFile)
	if err != nil {
		t.Fatalf("no anchor file after serving: %v", err)
	}
	defer f.Close()
	key, err := audit.ParseAnchorPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := audit.ReadAnchors(f, key)
	if err != nil || len(anchors) != 1 || anchors[0].Seq < 1 {
		t.Fatalf("anchors after serving: %+v, %v; want one of the trail's head", anchors, err)
	}

	// The commands read the sealed secret with the keys, and refuse
	// without them rather than show the account without its second
	// factor.
	if code, out, stderr := runNoren("user", "list", "--data", data, "--vault-key-file", keyFile); code != 0 || !strings.Contains(out, "owner@example.jp") {
		t.Errorf("user list with the keys: exit %d, %q %q", code, out, stderr)
	}
	if code, _, stderr := runNoren("user", "list", "--data", data); code == 0 || !strings.Contains(stderr, "vault.key_file") {
		t.Errorf("user list without the keys: exit %d, %q; want a refusal naming vault.key_file", code, stderr)
	}
	if code, out, stderr := runNoren("vault", "report", "--data", data, "--vault-key-file", keyFile); code != 0 || !strings.Contains(out, "authenticator secrets under key "+keys.ActiveKEK()+": 1") {
		t.Errorf("vault report: exit %d, %q %q", code, out, stderr)
	}
}

// TestKeysRotateResealsSecrets: noren keys rotate reseals authenticator
// secrets under the new key, so that the old key can go.
func TestKeysRotateResealsSecrets(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "vault.keys")
	if code, _, stderr := runNoren("keys", "generate", keyFile); code != 0 {
		t.Fatalf("keys generate: %s", stderr)
	}
	old, err := vault.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runNoren("user", "add", "--data", dir, "--email", "owner@example.jp", "--role", "owner"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	db, s := openAccounts(t, dir, old)
	u, err := s.ByEmail(context.Background(), "owner@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTP(context.Background(), u.ID, totpSecret); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runNoren("keys", "rotate", "--data", dir, "--vault-key-file", keyFile)
	if code != 0 || !strings.Contains(out, "1 authenticator secrets") {
		t.Fatalf("keys rotate: exit %d, %q %q", code, out, stderr)
	}
	rotated, err := vault.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, kek := storedSecret(t, db, u.Email); kek != rotated.ActiveKEK() || kek == old.ActiveKEK() {
		t.Errorf("after rotation the secret is under %q, want the new key %s", kek, rotated.ActiveKEK())
	}
	_, after := openAccounts(t, dir, rotated)
	if got, err := after.ByID(context.Background(), u.ID); err != nil || got.TOTPSecret != totpSecret {
		t.Errorf("with the new key file alone: %q, %v", got.TOTPSecret, err)
	}
	if _, err := s.ByID(context.Background(), u.ID); !errors.Is(err, account.ErrSecretsLocked) {
		t.Errorf("with the old key alone: %v, want ErrSecretsLocked", err)
	}
}
