package vault_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/vault"
)

func TestParseKeys(t *testing.T) {
	k1, k2, idx := randomKey(), randomKey(), randomKey()
	tests := []struct {
		name    string
		text    string
		active  string
		keks    []string
		wantErr string // part of the error; "" for success
	}{
		{name: "minimal", text: keyText("kek k1 "+k1, "index "+idx), active: "k1", keks: []string{"k1"}},
		{name: "older KEK", text: keyText("kek new "+k1, "kek old "+k2, "index "+idx), active: "new", keks: []string{"new", "old"}},
		{name: "index first, comments, blank lines, CRLF, spaces",
			text:   "# vault keys\r\n\r\n  noren-vault-key   v1 \r\n# the index key\r\nindex " + idx + "\r\n\tkek a_b-9 " + k1 + "\r\n",
			active: "a_b-9", keks: []string{"a_b-9"}},
		{name: "one line, as in an environment variable", text: "noren-vault-key v1; kek k1 " + k1 + "; index " + idx, active: "k1", keks: []string{"k1"}},

		{name: "empty", text: "", wantErr: "empty"},
		{name: "comments only", text: "# nothing\n", wantErr: "empty"},
		{name: "no header", text: "kek k1 " + k1 + "\nindex " + idx + "\n", wantErr: "header"},
		{name: "other version", text: "noren-vault-key v2\nkek k1 " + k1 + "\nindex " + idx + "\n", wantErr: "header"},
		{name: "no kek", text: keyText("index " + idx), wantErr: "no kek"},
		{name: "no index", text: keyText("kek k1 " + k1), wantErr: "no index"},
		{name: "two index keys", text: keyText("kek k1 "+k1, "index "+idx, "index "+k2), wantErr: "second index"},
		{name: "kek id twice", text: keyText("kek k1 "+k1, "kek k1 "+k2, "index "+idx), wantErr: "twice"},
		{name: "same key twice", text: keyText("kek k1 "+k1, "kek k2 "+k1, "index "+idx), wantErr: "same key"},
		{name: "index key is a KEK", text: keyText("kek k1 "+k1, "index "+k1), wantErr: "same key"},
		{name: "upper-case id", text: keyText("kek K1 "+k1, "index "+idx), wantErr: "KEK id"},
		{name: "id too long", text: keyText("kek "+strings.Repeat("k", 33)+" "+k1, "index "+idx), wantErr: "KEK id"},
		{name: "kek without id", text: keyText("kek "+k1, "index "+idx), wantErr: "kek ID KEY"},
		{name: "kek with extra field", text: keyText("kek k1 "+k1+" extra", "index "+idx), wantErr: "kek ID KEY"},
		{name: "short key", text: keyText("kek k1 "+base64.StdEncoding.EncodeToString(randomBytes(16)), "index "+idx), wantErr: "bytes"},
		{name: "not base64", text: keyText("kek k1 "+strings.Repeat("!", 44), "index "+idx), wantErr: "base64"},
		{name: "unpadded", text: keyText("kek k1 "+strings.TrimRight(k1, "="), "index "+idx), wantErr: "base64"},
		{name: "url alphabet", text: keyText("kek k1 "+"-_"+k1[2:], "index "+idx), wantErr: "base64"},
		{name: "zero key", text: keyText("kek k1 "+strings.Repeat("A", 43)+"=", "index "+idx), wantErr: "zeros"},
		{name: "unknown entry", text: keyText("kek k1 "+k1, "index "+idx, "salt "+k2), wantErr: "unknown entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := vault.ParseKeys([]byte(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKeys = %v, want an error containing %q", err, tt.wantErr)
				}
				for _, key := range []string{k1, k2, idx, k1[:20], k2[:20], idx[:20]} {
					if strings.Contains(err.Error(), key) {
						t.Errorf("error %q reveals key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.ActiveKEK() != tt.active || fmt.Sprint(k.KEKs()) != fmt.Sprint(tt.keks) {
				t.Errorf("active %s, KEKs %q; want %s, %q", k.ActiveKEK(), k.KEKs(), tt.active, tt.keks)
			}
			again, err := vault.ParseKeys(k.Marshal())
			if err != nil {
				t.Fatalf("parsing Marshal's output: %v", err)
			}
			if string(again.Marshal()) != string(k.Marshal()) {
				t.Errorf("Marshal does not round-trip:\n%s\n%s", k.Marshal(), again.Marshal())
			}
		})
	}
}

func TestKeysNeverPrintKeyMaterial(t *testing.T) {
	k := mustKeys(t)
	secret := strings.Fields(indexLine(t, k))[1]
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("keys", "keys", k)
	for _, out := range []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %x %X %d %q", k, k, k, k, k, k, k, k), logged.String(),
	} {
		if !strings.Contains(out, k.ActiveKEK()) {
			t.Errorf("%q does not name the active KEK", out)
		}
		for line := range strings.Lines(string(k.Marshal())) {
			f := strings.Fields(line)
			if len(f) > 1 && (strings.Contains(out, f[len(f)-1]) || strings.Contains(out, secret)) {
				t.Errorf("%q prints key material", out)
			}
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	k := mustKeys(t)
	path := filepath.Join(dir, "vault.key")
	if err := vault.WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %04o, want 0600", perm)
	}
	loaded, err := vault.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(loaded.Marshal()) != string(k.Marshal()) {
		t.Error("the key file does not load back the keys written")
	}

	// Writing again replaces the file and leaves no temporary file.
	next, err := k.WithNewKEK()
	if err != nil {
		t.Fatal(err)
	}
	if err := vault.WriteKeyFile(path, next); err != nil {
		t.Fatal(err)
	}
	if loaded, err := vault.LoadKeyFile(path); err != nil || loaded.ActiveKEK() != next.ActiveKEK() || len(loaded.KEKs()) != 2 {
		t.Errorf("after rewriting: %v, %v", loaded, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after two writes, want the key file alone", len(entries))
	}

	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := vault.LoadKeyFile(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("LoadKeyFile with mode %04o = %v, want a refusal saying chmod 600", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadKeyFile(path); err != nil {
		t.Errorf("LoadKeyFile with mode 0400: %v", err)
	}

	if _, err := vault.LoadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadKeyFile of a missing file succeeded")
	}
	if _, err := vault.LoadKeyFile(dir); err == nil {
		t.Error("LoadKeyFile of a directory succeeded")
	}
	big := filepath.Join(dir, "big.key")
	if err := os.WriteFile(big, []byte(keyText(strings.Repeat("# padding\n", 8000))), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadKeyFile(big); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("LoadKeyFile of a huge file = %v, want a refusal", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte(keyText("index "+randomKey())), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadKeyFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadKeyFile of a bad file = %v, want an error naming the file", err)
	}
}

func TestLoadKeyEnv(t *testing.T) {
	k := mustKeys(t)
	const name = "NOREN_VAULT_KEYS_TEST"
	t.Setenv(name, strings.ReplaceAll(string(k.Marshal()), "\n", "; "))
	loaded, err := vault.LoadKeyEnv(name)
	if err != nil {
		t.Fatal(err)
	}
	if string(loaded.Marshal()) != string(k.Marshal()) {
		t.Error("keys from the environment differ from those written")
	}
	t.Setenv(name, "")
	if _, err := vault.LoadKeyEnv(name); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("LoadKeyEnv of an empty variable = %v, want an error naming it", err)
	}
	t.Setenv(name, "noren-vault-key v1; kek k1 "+randomKey())
	if _, err := vault.LoadKeyEnv(name); err == nil || !strings.Contains(err.Error(), "$"+name) {
		t.Errorf("LoadKeyEnv of bad keys = %v, want an error naming the variable", err)
	}
}

func TestActiveOnly(t *testing.T) {
	k := mustKeys(t)
	next, err := k.WithNewKEK()
	if err != nil {
		t.Fatal(err)
	}
	only := next.ActiveOnly()
	if fmt.Sprint(only.KEKs()) != fmt.Sprint([]string{next.ActiveKEK()}) {
		t.Errorf("ActiveOnly KEKs = %q, want only %s", only.KEKs(), next.ActiveKEK())
	}
	if indexLine(t, only) != indexLine(t, k) {
		t.Error("the index key changed across WithNewKEK and ActiveOnly")
	}
	if len(next.KEKs()) != 2 {
		t.Errorf("ActiveOnly changed the keys it was called on: %q", next.KEKs())
	}
}

func TestDerive(t *testing.T) {
	k, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := k.WithNewKEK()
	if err != nil {
		t.Fatal(err)
	}
	a, b := k.Derive("contact"), k.Derive("requests")
	if len(a) != 32 || bytes.Equal(a, b) {
		t.Errorf("Derive: %x and %x, want two different 32-byte secrets", a, b)
	}
	if !bytes.Equal(a, rotated.Derive("contact")) {
		t.Error("a derived secret changed with rotation")
	}
	other, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, other.Derive("contact")) {
		t.Error("other keys derive the same secret")
	}
}
