package totp

import (
	"crypto/subtle"
	"time"
)

// maxCodeInput bounds the input Verify looks at, so that an oversized form
// field is refused before any scanning or hashing.
const maxCodeInput = 32

// Verify reports whether code is valid for secret at time t. It accepts the
// codes of the steps before, at and after Step(t), to allow for clock drift,
// but never a step at or before lastUsed, so each code works only once; pass
// 0 for a secret that has never been used and store the returned step after a
// success. Spaces in code are ignored; anything else that is not six ASCII
// digits is refused without computing a code.
func Verify(secret []byte, code string, t time.Time, lastUsed int64) (step int64, ok bool) {
	digits, valid := parseCode(code)
	if !valid || len(secret) == 0 {
		return 0, false
	}
	now := Step(t)
	matched := int64(0)
	found := 0
	// All candidate steps are compared without stopping at the first match so
	// that the time taken does not reveal which step matched. If two steps
	// share a code, the later one is returned: storing it keeps the code from
	// being accepted again for that later step.
	for s := now - 1; s <= now+1; s++ {
		if s <= lastUsed {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(secret, uint64(s), Digits)), digits)
		mask := -int64(eq)
		matched = matched&^mask | s&mask
		found |= eq
	}
	if found == 0 {
		return 0, false
	}
	return matched, true
}

// parseCode returns the digits of a code typed by a user, with spaces
// removed, and whether they are exactly Digits ASCII digits.
func parseCode(code string) ([]byte, bool) {
	if len(code) > maxCodeInput {
		return nil, false
	}
	digits := make([]byte, 0, Digits)
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ':
		case '0' <= c && c <= '9' && len(digits) < Digits:
			digits = append(digits, c)
		default:
			return nil, false
		}
	}
	return digits, len(digits) == Digits
}
