package vault_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/vault"
)

func TestSealSecret(t *testing.T) {
	keys := mustKeys(t)
	secret := []byte("JBSWY3DPEHPK3PXP")
	kekID, sealed, err := keys.SealSecret("totp", secret, "7")
	if err != nil {
		t.Fatalf("SealSecret: %v", err)
	}
	if kekID != keys.ActiveKEK() {
		t.Errorf("sealed under %q, want the active KEK %q", kekID, keys.ActiveKEK())
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret holds the plaintext")
	}
	if _, again, _ := keys.SealSecret("totp", secret, "7"); bytes.Equal(again, sealed) {
		t.Error("sealing the same secret twice gave the same bytes; each seal takes a fresh nonce")
	}
	got, err := keys.OpenSecret("totp", kekID, sealed, "7")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenSecret = %q, %v; want %q", got, err, secret)
	}

	next, err := keys.WithNewKEK()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := next.OpenSecret("totp", kekID, sealed, "7"); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("keys after a rotation, with the old KEK kept: OpenSecret = %q, %v", got, err)
	}

	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name    string
		keys    *vault.Keys
		use     string
		kekID   string
		sealed  []byte
		binding []string
		want    error
	}{
		{name: "another row", keys: keys, use: "totp", kekID: kekID, sealed: sealed, binding: []string{"8"}, want: vault.ErrDecrypt},
		{name: "no row", keys: keys, use: "totp", kekID: kekID, sealed: sealed, want: vault.ErrDecrypt},
		{name: "row split differently", keys: keys, use: "totp", kekID: kekID, sealed: sealed, binding: []string{"", "7"}, want: vault.ErrDecrypt},
		{name: "another use", keys: keys, use: "token", kekID: kekID, sealed: sealed, binding: []string{"7"}, want: vault.ErrDecrypt},
		{name: "flipped bit", keys: keys, use: "totp", kekID: kekID, sealed: flipped, binding: []string{"7"}, want: vault.ErrDecrypt},
		{name: "empty", keys: keys, use: "totp", kekID: kekID, binding: []string{"7"}, want: vault.ErrDecrypt},
		{name: "relabelled with another KEK", keys: next, use: "totp", kekID: next.ActiveKEK(), sealed: sealed, binding: []string{"7"}, want: vault.ErrDecrypt},
		{name: "old KEK discarded", keys: next.ActiveOnly(), use: "totp", kekID: kekID, sealed: sealed, binding: []string{"7"}, want: vault.ErrUnknownKEK},
		{name: "other key file", keys: mustKeys(t), use: "totp", kekID: kekID, sealed: sealed, binding: []string{"7"}, want: vault.ErrUnknownKEK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.OpenSecret(tt.use, tt.kekID, tt.sealed, tt.binding...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("OpenSecret = %q, %v; want %v", got, err, tt.want)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Errorf("error %q holds the secret", err)
			}
		})
	}
}

func TestSealSecretRefuses(t *testing.T) {
	keys := mustKeys(t)
	if _, _, err := keys.SealSecret("", []byte("x"), "1"); err == nil {
		t.Error("SealSecret with no use succeeded")
	}
	if _, _, err := keys.SealSecret("totp", make([]byte, 2048), "1"); err == nil {
		t.Error("SealSecret of 2 KiB succeeded; it is for small secrets")
	}
}
