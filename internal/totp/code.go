package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"time"
)

// Digits is the number of digits in a code.
const Digits = 6

// Period is the length of one time step.
const Period = 30 * time.Second

// periodSeconds is Period in the unit of time.Time.Unix.
const periodSeconds = int64(Period / time.Second)

// Step returns the time step t falls in: whole periods since the Unix epoch
// (RFC 6238 with T0 = 0 and X = 30 seconds).
func Step(t time.Time) int64 {
	return t.Unix() / periodSeconds
}

// Code returns the six-digit code for secret at time t, zero-padded.
func Code(secret []byte, t time.Time) string {
	return hotp(secret, uint64(Step(t)), Digits)
}

// hotp returns the RFC 4226 HOTP value for counter with the given number of
// digits, zero-padded. The digit count is a parameter so the eight-digit test
// vectors of RFC 6238 can be checked directly.
func hotp(secret []byte, counter uint64, digits int) string {
	modulus := uint32(1)
	for range digits {
		modulus *= 10
	}
	return fmt.Sprintf("%0*d", digits, truncate(secret, counter)%modulus)
}

// truncate returns the 31-bit value RFC 4226 section 5.3 derives from
// HMAC-SHA1(secret, counter) by dynamic truncation.
func truncate(secret []byte, counter uint64) uint32 {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	return binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
}
