package totp

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != SecretSize || len(b) != SecretSize {
		t.Fatalf("secret lengths %d and %d, want %d", len(a), len(b), SecretSize)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two new secrets are equal")
	}
}

func TestEncodeSecret(t *testing.T) {
	got := EncodeSecret(rfcSecret)
	if want := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; got != want {
		t.Errorf("EncodeSecret = %q, want %q", got, want)
	}
	// 16 bytes do not fill a whole 8-character group, so this would be padded
	// by standard base32.
	got = EncodeSecret(rfcSecret[:16])
	if strings.ContainsAny(got, "=abcdefghijklmnopqrstuvwxyz") {
		t.Errorf("EncodeSecret(16 bytes) = %q, want upper case without padding", got)
	}
}

func TestDecodeSecret(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []byte
	}{
		{"canonical", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", rfcSecret},
		{"lower case", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", rfcSecret},
		{"groups of four", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", rfcSecret},
		{"tabs and newline", "\tGEZDGNBVGY3TQOJQ\nGEZDGNBVGY3TQOJQ ", rfcSecret},
		{"padded", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE======", append(bytes.Clone(rfcSecret), '1')},
		{"padding missing", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE", append(bytes.Clone(rfcSecret), '1')},
		{"16 bytes", EncodeSecret(rfcSecret[:16]), rfcSecret[:16]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSecret(tt.in)
			if err != nil {
				t.Fatalf("DecodeSecret(%q): %v", tt.in, err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("DecodeSecret(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeSecretErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"empty", "", "empty"},
		{"only spaces", "   ", "empty"},
		{"only padding", "====", "empty"},
		{"digit one", "GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ", `'1' at position 16`},
		{"digit zero", "0EZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", `'0' at position 1`},
		{"padding inside", "GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ", `'=' at position 9`},
		{"hyphen", "GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ", `'-' at position 5`},
		{"non-ASCII", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJÄ", `'Ä' at position 32`},
		{"one extra character", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG", "33 characters is not a valid base32 length"},
		{"too short", "GEZDGNBVGY3TQOJQ", "80 bits, at least 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSecret(tt.in)
			if err == nil {
				t.Fatalf("DecodeSecret(%q) = %x, want error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "totp: ") {
				t.Errorf("DecodeSecret(%q) error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// FuzzDecodeSecret checks that DecodeSecret never panics and that whatever it
// accepts encodes back to its own canonical form.
func FuzzDecodeSecret(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		secret, err := DecodeSecret(in)
		if err != nil {
			return
		}
		if len(secret) < MinSecretSize {
			t.Fatalf("DecodeSecret(%q) accepted %d bytes", in, len(secret))
		}
		again, err := DecodeSecret(EncodeSecret(secret))
		if err != nil {
			t.Fatalf("DecodeSecret(EncodeSecret(%x)): %v", secret, err)
		}
		if !bytes.Equal(again, secret) {
			t.Fatalf("round trip of %x gave %x", secret, again)
		}
	})
}
