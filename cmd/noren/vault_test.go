package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// TestKeysRotate is the acceptance check of rotation: after noren keys
// rotate every record still opens, with the new key file alone, and the
// old key file is no longer needed; noren vault report counts them.
func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "noren.db")
	keyFile := filepath.Join(dir, "keys", "vault.keys")
	if err := os.Mkdir(filepath.Dir(keyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runNoren("keys", "generate", keyFile); code != 0 {
		t.Fatalf("keys generate: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runNoren("keys", "generate", keyFile); code == 0 || !strings.Contains(stderr, "exists") {
		t.Errorf("keys generate over an existing file: exit %d\n%s", code, stderr)
	}
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := vault.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, who := range []string{"hanako@example.jp", "taro@example.jp", "jiro@example.jp"} {
		id, err := v.Seal(ctx, vault.Item{Kind: "submission", Form: "contact", Subject: who,
			Expires: time.Now().AddDate(1, 0, 0), Data: []byte(`{"email":"` + who + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	db.Close()

	code, stdout, stderr := runNoren("keys", "rotate", "-database", dsn, "-vault-key-file", keyFile)
	if code != 0 || !strings.Contains(stdout, "re-wrapped 3 records") {
		t.Fatalf("keys rotate: exit %d\n%s%s", code, stdout, stderr)
	}
	rotated, err := vault.LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	oldKeys, err := vault.ParseKeys(old)
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated.KEKs()) != 1 || rotated.ActiveKEK() == oldKeys.ActiveKEK() {
		t.Fatalf("the key file holds %v after rotation, want one new key (old %s)", rotated.KEKs(), oldKeys.ActiveKEK())
	}

	db, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err = vault.New(db, rotated)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := v.Open(ctx, id); err != nil {
			t.Errorf("record %s does not open with the new key file alone: %v", id, err)
		}
	}

	code, stdout, stderr = runNoren("vault", "report", "-database", dsn, "-vault-key-file", keyFile)
	if code != 0 {
		t.Fatalf("vault report: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"contact", "submission", "records under key " + rotated.ActiveKEK() + ": 3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("vault report lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "@example.jp") {
		t.Errorf("vault report shows an address:\n%s", stdout)
	}
}

// TestVaultCommandsNeedKeys: without a key file or NOREN_VAULT_KEYS the
// commands say what is missing.
func TestVaultCommandsNeedKeys(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "noren.db")
	for _, args := range [][]string{
		{"vault", "report", "-database", dsn},
		{"keys", "rotate", "-database", dsn},
	} {
		code, _, stderr := runNoren(args...)
		if code == 0 || !strings.Contains(stderr, "vault") {
			t.Errorf("noren %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestDemoVault: the demo, having no key file configured, writes its own
// beside its data (mode 0600) and says that a real site must not; a second
// start opens the vault with the same keys.
func TestDemoVault(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")
	keyFile := filepath.Join(dir, "demo-vault.keys")
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v, %v; want mode 0600", info, err)
	}
	if !strings.Contains(p.Output(), "a real site keeps them apart") {
		t.Error("the demo does not warn that its keys sit beside its data")
	}
	stop(t, p, syscall.SIGTERM)
	before, _ := os.ReadFile(keyFile)
	start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")
	after, _ := os.ReadFile(keyFile)
	if string(before) != string(after) {
		t.Error("a second start replaced the demo's keys")
	}
}

// TestDemoContactForm: the demo serves the contact form its manifest
// declares, with the notice at the point of collection, and its static
// contact page links to it.
func TestDemoContactForm(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--sample-events", "0")
	for path, want := range map[string][]string{
		"/en/contact/form": {"Email address", "/en/privacy", "2026.1"},
		"/ja/contact/form": {"メールアドレス", "/ja/privacy"},
		"/en/contact/":     {`href="/en/contact/form"`},
	} {
		resp, page := get(t, nil, p.url+path)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
}
