package contact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Reasons a challenge or a wait token is refused; the form page explains
// each in the visitor's language.
var (
	errBadToken     = errors.New("contact: the form's token is not one this server issued")
	errExpiredToken = errors.New("contact: the form's token has expired")
	errWrongForm    = errors.New("contact: the token was issued for another form")
)

// Labels that keep the two kinds of signed token apart, so that one can
// never pass for the other.
const (
	challengeLabel = "noren-contact-challenge v1"
	waitLabel      = "noren-contact-wait v1"
)

// challenge is what the form page issues: when the form was shown, a
// random id that makes it single-use, and how much proof of work it asks
// for. Its signed text is both the issued-at token of the minimum fill time
// and the prefix of the proof of work.
type challenge struct {
	Form       string
	Issued     time.Time
	ID         string // 22 characters of base64url, 128 random bits
	Difficulty int
}

// newChallenge returns a fresh challenge for form.
func newChallenge(form string, now time.Time, difficulty int) challenge {
	b := make([]byte, 16)
	rand.Read(b)
	return challenge{Form: form, Issued: now.Truncate(time.Second), ID: base64.RawURLEncoding.EncodeToString(b), Difficulty: difficulty}
}

// signer makes and checks the HMAC-signed tokens of the form.
type signer struct{ key []byte }

func (s signer) mac(label, payload string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// sign returns payload with its signature appended after a dot.
func (s signer) sign(label, payload string) string {
	return payload + "." + s.mac(label, payload)
}

// verify returns the payload of a signed token, or errBadToken.
func (s signer) verify(label, token string) (string, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 256 {
		return "", errBadToken
	}
	payload, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.mac(label, payload))) {
		return "", errBadToken
	}
	return payload, nil
}

// Token is the challenge's signed text: form, issue time, id and difficulty
// separated by dots, then the signature.
func (s signer) challengeToken(c challenge) string {
	return s.sign(challengeLabel, c.Form+"."+strconv.FormatInt(c.Issued.Unix(), 10)+"."+c.ID+"."+strconv.Itoa(c.Difficulty))
}

// parseChallenge checks token's signature, that it was issued for form, and
// that it is no older than ttl at now.
func (s signer) parseChallenge(token, form string, now time.Time, ttl time.Duration) (challenge, error) {
	payload, err := s.verify(challengeLabel, token)
	if err != nil {
		return challenge{}, err
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 {
		return challenge{}, errBadToken
	}
	issued, err1 := strconv.ParseInt(parts[1], 10, 64)
	difficulty, err2 := strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || len(parts[2]) != 22 {
		return challenge{}, errBadToken
	}
	c := challenge{Form: parts[0], Issued: time.Unix(issued, 0), ID: parts[2], Difficulty: difficulty}
	if c.Form != form {
		return challenge{}, errWrongForm
	}
	if now.Sub(c.Issued) > ttl {
		return challenge{}, errExpiredToken
	}
	return c, nil
}

// waitToken lets the no-script path through: it names the challenge it
// stands in for the proof of work of, and the time from which it counts.
func (s signer) waitToken(c challenge, notBefore time.Time) string {
	return s.sign(waitLabel, c.ID+"."+strconv.FormatInt(notBefore.Unix(), 10))
}

// parseWait checks a wait token against the challenge it must belong to
// and returns the time from which it is valid.
func (s signer) parseWait(token string, c challenge) (time.Time, error) {
	payload, err := s.verify(waitLabel, token)
	if err != nil {
		return time.Time{}, err
	}
	id, at, ok := strings.Cut(payload, ".")
	if !ok || id != c.ID {
		return time.Time{}, errBadToken
	}
	unix, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return time.Time{}, errBadToken
	}
	return time.Unix(unix, 0), nil
}

// solves reports whether counter, a decimal number, is a proof of work for
// the challenge token: SHA-256 of the token's text followed by the counter
// starts with difficulty zero bits. web/static/contact.js searches for one.
func solves(token, counter string, difficulty int) bool {
	if counter == "" || len(counter) > 12 || strings.Trim(counter, "0123456789") != "" {
		return false
	}
	sum := sha256.Sum256([]byte(token + counter))
	return leadingZeroBits(sum[:]) >= difficulty
}

func leadingZeroBits(b []byte) int {
	n := 0
	for _, c := range b {
		if c != 0 {
			return n + bits.LeadingZeros8(c)
		}
		n += 8
	}
	return n
}
