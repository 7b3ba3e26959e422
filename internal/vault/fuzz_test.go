package vault_test

import (
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/vault"
)

// FuzzParseKeys checks that ParseKeys never panics, that whatever it
// accepts survives a Marshal round trip, and that its errors never quote
// anything long enough to be a key.
func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("noren-vault-key v1\nkek k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\nindex ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n"))
	f.Add([]byte("noren-vault-key v1;kek a AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=;index ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, text []byte) {
		k, err := vault.ParseKeys(text)
		if err != nil {
			for _, field := range strings.FieldsFunc(string(text), func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ';' }) {
				if len(field) > 32 && strings.Contains(err.Error(), field) {
					t.Fatalf("error %q quotes input %q", err, field)
				}
			}
			return
		}
		again, err := vault.ParseKeys(k.Marshal())
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v", err)
		}
		if string(again.Marshal()) != string(k.Marshal()) {
			t.Fatal("Marshal does not round-trip")
		}
	})
}
