package totp

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// SecretSize is the length in bytes of secrets made by NewSecret: 160 bits,
// the length RFC 4226 recommends for HMAC-SHA1.
const SecretSize = 20

// MinSecretSize is the shortest secret DecodeSecret accepts: RFC 4226 requires
// shared secrets of at least 128 bits.
const MinSecretSize = 16

// secretEncoding is the form authenticator apps expect: RFC 4648 base32,
// upper case, without padding.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a new random secret of SecretSize bytes.
func NewSecret() ([]byte, error) {
	secret := make([]byte, SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("totp: new secret: %w", err)
	}
	return secret, nil
}

// EncodeSecret returns secret as upper-case base32 without padding, the form
// a user types into an authenticator app.
func EncodeSecret(secret []byte) string {
	return secretEncoding.EncodeToString(secret)
}

// DecodeSecret parses a base32 secret as a user may have copied it: spaces,
// lower case and missing or present trailing padding are all accepted.
func DecodeSecret(s string) ([]byte, error) {
	// People copy secrets in groups ("JBSW Y3DP …"), so any white space is
	// ignored; trailing '=' is ignored because some issuers pad and most don't.
	cleaned := strings.TrimRight(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s), "=")
	if cleaned == "" {
		return nil, errors.New("totp: decode secret: secret is empty")
	}
	for i, r := range cleaned {
		if !('A' <= r && r <= 'Z' || '2' <= r && r <= '7') {
			return nil, fmt.Errorf("totp: decode secret: character %q at position %d (not counting spaces) is not base32 (A-Z, 2-7)", r, i+1)
		}
	}
	// Base32 packs 5 bytes into 8 characters; a final group of 1, 3 or 6
	// characters cannot come from any byte string.
	switch len(cleaned) % 8 {
	case 1, 3, 6:
		return nil, fmt.Errorf("totp: decode secret: %d characters is not a valid base32 length (a character is missing or extra)", len(cleaned))
	}
	secret, err := secretEncoding.DecodeString(cleaned)
	if err != nil {
		return nil, fmt.Errorf("totp: decode secret: %w", err)
	}
	if len(secret) < MinSecretSize {
		return nil, fmt.Errorf("totp: decode secret: secret is %d bits, at least %d are required", len(secret)*8, MinSecretSize*8)
	}
	return secret, nil
}
