package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id's cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultHashParams follow RFC 9106's second recommended option (64 MiB,
// three passes), which stays well under a second on a small server.
var DefaultHashParams = HashParams{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLength is the shortest password accepted: long enough that
	// throttled online guessing is hopeless.
	MinPasswordLength = 12
	// maxPasswordBytes bounds the work an attacker can ask argon2 to do.
	maxPasswordBytes = 1024
)

// ErrWrongPassword is returned when a password does not match its hash.
var ErrWrongPassword = errors.New("account: wrong password")

// hasher hashes passwords with argon2id, running at most a few at a time
// because each takes Memory KiB: a burst of sign-in attempts queues instead
// of exhausting memory.
type hasher struct {
	params HashParams
	slots  chan struct{}
}

func newHasher(p HashParams, parallel int) *hasher {
	return &hasher{params: p, slots: make(chan struct{}, max(1, parallel))}
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("account: waiting to hash a password: %w", ctx.Err())
	}
}

func (h *hasher) release() { <-h.slots }

// hash returns the password's argon2id hash in the PHC string format that
// other tools read: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails: crypto/rand crashes the program instead
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify checks password against a hash made by hash, with the parameters
// recorded in the hash, so raising the defaults keeps old hashes usable.
func (h *hasher) verify(ctx context.Context, encoded, password string) error {
	p, salt, key, err := parsePHC(encoded)
	if err != nil {
		return err
	}
	// An over-long password is wrong, but it costs a hash like any other:
	// answering sooner would tell that the account exists, since unknown
	// addresses pay for a decoy hash.
	tooLong := len(password) > maxPasswordBytes
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	got := argon2.IDKey([]byte(bounded(password)), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 || tooLong {
		return ErrWrongPassword
	}
	return nil
}

// bounded cuts a password to the length argon2 is given, so that the
// work it asks for does not grow with what an attacker sends.
func bounded(password string) string {
	return password[:min(len(password), maxPasswordBytes)]
}

// parsePHC reads an argon2id PHC string.
func parsePHC(s string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("account: stored password hash is not argon2id")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("account: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("account: bad argon2 parameters %q", parts[3])
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 4*1024*1024 || p.Time > 64 {
		return p, nil, nil, fmt.Errorf("account: argon2 parameters out of range %q", parts[3])
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return p, nil, nil, errors.New("account: bad argon2 salt or key")
	}
	return p, salt, key, nil
}

// CheckPasswordStrength reports why a new password is unacceptable, or nil.
// Length is what matters (NIST SP 800-63B); composition rules are not
// imposed.
func CheckPasswordStrength(password, email string) error {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		return errors.New("the password is not valid UTF-8")
	case n < MinPasswordLength:
		return fmt.Errorf("the password has %d characters; at least %d are needed", n, MinPasswordLength)
	case len(password) > maxPasswordBytes:
		return fmt.Errorf("the password is longer than %d bytes", maxPasswordBytes)
	case email != "" && strings.Contains(strings.ToLower(password), strings.ToLower(localPart(email))) && len(localPart(email)) >= 4:
		return errors.New("the password contains the account's e-mail name")
	}
	return nil
}

func localPart(email string) string {
	name, _, _ := strings.Cut(email, "@")
	return name
}

// passwordAlphabet leaves out look-alike characters (0/O, 1/l/I) because
// generated passwords are read off a terminal and typed.
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a random password of four groups of five
// characters (about 116 bits), easy to read aloud and type.
func GeneratePassword() string {
	const groups, size = 4, 5
	var b strings.Builder
	for g := range groups {
		if g > 0 {
			b.WriteByte('-')
		}
		for range size {
			b.WriteByte(passwordAlphabet[randIndex(len(passwordAlphabet))])
		}
	}
	return b.String()
}

// randIndex returns a uniform random index below n, by rejection sampling.
func randIndex(n int) int {
	limit := 256 - 256%n
	var buf [1]byte
	for {
		rand.Read(buf[:])
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}
