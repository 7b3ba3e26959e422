package dsr

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// A link token is 16 random bytes and an HMAC-SHA256 of them under the
// handler's secret, both base64url without padding, joined by a dot. The
// HMAC lets a tampered or made-up token be refused before the database is
// asked; the database keeps only the SHA-256 of the random part, so a copy
// of it cannot be turned into working links.
const (
	tokenRandom = 16
	tokenMAC    = 32
	// tokenLen is the length of a token in text.
	tokenLen = 22 + 1 + 43
	// linkPurpose binds the link HMAC to its use, apart from any other
	// HMAC made with the same secret.
	linkPurpose = "noren dsr link v1"
)

var errBadToken = errors.New("dsr: malformed or forged link token")

// newToken returns a fresh token and the hash to store for it.
func newToken(secret []byte) (token string, hash []byte) {
	random := make([]byte, tokenRandom)
	rand.Read(random) // never fails (crypto/rand)
	enc := base64.RawURLEncoding
	token = enc.EncodeToString(random) + "." + enc.EncodeToString(tokenHMAC(secret, random))
	return token, tokenHash(random)
}

// checkToken verifies token's HMAC and returns the hash under which its
// request is stored.
func checkToken(secret []byte, token string) ([]byte, error) {
	if len(token) != tokenLen {
		return nil, errBadToken
	}
	left, right, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errBadToken
	}
	enc := base64.RawURLEncoding.Strict()
	random, err := enc.DecodeString(left)
	if err != nil || len(random) != tokenRandom {
		return nil, errBadToken
	}
	mac, err := enc.DecodeString(right)
	if err != nil || len(mac) != tokenMAC {
		return nil, errBadToken
	}
	if !hmac.Equal(mac, tokenHMAC(secret, random)) {
		return nil, errBadToken
	}
	return tokenHash(random), nil
}

func tokenHMAC(secret, random []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(linkPurpose))
	m.Write([]byte{0})
	m.Write(random)
	return m.Sum(nil)
}

func tokenHash(random []byte) []byte {
	sum := sha256.Sum256(random)
	return sum[:]
}
