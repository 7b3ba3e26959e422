package account

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// validPHC is a well-formed hash: salt "saltsalt", a 16-byte key.
const validPHC = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAECAwQFBgcICQoLDA0ODw"

func TestParsePHC(t *testing.T) {
	p, salt, key, err := parsePHC(validPHC)
	if err != nil {
		t.Fatalf("parsePHC(%q): %v", validPHC, err)
	}
	if p != (HashParams{Memory: 64, Time: 1, Threads: 1}) || string(salt) != "saltsalt" || len(key) != 16 || key[15] != 15 {
		t.Errorf("parsePHC(%q) = %+v, %q, %v", validPHC, p, salt, key)
	}
}

func TestParsePHCErrors(t *testing.T) {
	const salt, key = "c2FsdHNhbHQ", "AAECAwQFBgcICQoLDA0ODw"
	for _, tc := range []struct {
		name, phc, wantErr string
	}{
		{"empty", "", "not argon2id"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu", "not argon2id"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key, "not argon2id"},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key, "not argon2id"},
		{"no leading dollar", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key, "not argon2id"},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt, "not argon2id"},
		{"extra field", validPHC + "$x", "not argon2id"},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, "unsupported argon2 version"},
		{"no version", "$argon2id$$m=64,t=1,p=1$" + salt + "$" + key, "unsupported argon2 version"},
		{"version not a number", "$argon2id$v=x$m=64,t=1,p=1$" + salt + "$" + key, "unsupported argon2 version"},
		{"params missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key, "bad argon2 parameters"},
		{"params reordered", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key, "bad argon2 parameters"},
		{"params negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key, "bad argon2 parameters"},
		{"threads overflow", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key, "bad argon2 parameters"},
		{"memory overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, "bad argon2 parameters"},
		{"memory zero", "$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key, "out of range"},
		{"time zero", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key, "out of range"},
		{"threads zero", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key, "out of range"},
		{"memory above 4 GiB", "$argon2id$v=19$m=4194305,t=1,p=1$" + salt + "$" + key, "out of range"},
		{"time above 64", "$argon2id$v=19$m=64,t=65,p=1$" + salt + "$" + key, "out of range"},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!!!!!!!!!$" + key, "bad argon2 salt or key"},
		{"key not base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAECAwQF*gcICQoLDA0ODw", "bad argon2 salt or key"},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ=$" + key, "bad argon2 salt or key"},
		{"url alphabet", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$-_-_-_-_-_-_-_-_-_-_-_", "bad argon2 salt or key"},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbA$" + key, "bad argon2 salt or key"},
		{"key too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAECAwQFBgcICQoLDA0O", "bad argon2 salt or key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := parsePHC(tc.phc)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parsePHC(%q) = %v, want an error containing %q", tc.phc, err, tc.wantErr)
			}
		})
	}
}

// TestParsePHCLimits accepts the largest parameters allowed.
func TestParsePHCLimits(t *testing.T) {
	phc := "$argon2id$v=19$m=4194304,t=64,p=255$c2FsdHNhbHQ$AAECAwQFBgcICQoLDA0ODw"
	p, _, _, err := parsePHC(phc)
	if err != nil || p != (HashParams{Memory: 4 * 1024 * 1024, Time: 64, Threads: 255}) {
		t.Errorf("parsePHC(%q) = %+v, %v", phc, p, err)
	}
}

// TestVerifyForeignHash checks a hash written by another argon2id tool,
// with its own parameters, salt length and key length.
func TestVerifyForeignHash(t *testing.T) {
	salt := []byte("eight-by")
	key := argon2.IDKey([]byte("a foreign passphrase"), salt, 2, 32, 1, 20)
	b64 := base64.RawStdEncoding
	phc := fmt.Sprintf("$argon2id$v=19$m=32,t=2,p=1$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))

	h := newHasher(HashParams{Memory: 64, Time: 1, Threads: 1}, 1)
	if err := h.verify(t.Context(), phc, "a foreign passphrase"); err != nil {
		t.Errorf("verify(right password) = %v", err)
	}
	if err := h.verify(t.Context(), phc, "a foreign passphrasE"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("verify(wrong password) = %v, want ErrWrongPassword", err)
	}
}

// TestHasherWaitsForASlot checks that hashing queues behind the bound on
// parallel hashes and gives up when its context ends.
func TestHasherWaitsForASlot(t *testing.T) {
	h := newHasher(HashParams{Memory: 64, Time: 1, Threads: 1}, 1)
	h.slots <- struct{}{} // another hash is running
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.hash(ctx, "plum blossoms in february"); !errors.Is(err, context.Canceled) {
		t.Errorf("hash with every slot taken and a cancelled context = %v, want context.Canceled", err)
	}
	if err := h.verify(ctx, validPHC, "plum blossoms in february"); !errors.Is(err, context.Canceled) {
		t.Errorf("verify with every slot taken and a cancelled context = %v, want context.Canceled", err)
	}
	h.release()
	encoded, err := h.hash(t.Context(), "plum blossoms in february")
	if err != nil {
		t.Fatalf("hash once the slot is free: %v", err)
	}
	if err := h.verify(t.Context(), encoded, "plum blossoms in february"); err != nil {
		t.Errorf("verify once the slot is free: %v", err)
	}
}

// FuzzParsePHC feeds parsePHC arbitrary stored hashes: it must never panic,
// and whatever it accepts must be in range and safe to hand to argon2.
func FuzzParsePHC(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzParsePHC.
	f.Add(validPHC)
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			return
		}
		if p.Memory < 1 || p.Memory > 4*1024*1024 || p.Time < 1 || p.Time > 64 || p.Threads < 1 {
			t.Fatalf("parsePHC(%q) accepted parameters %+v", s, p)
		}
		if len(salt) < 8 || len(key) < 16 {
			t.Fatalf("parsePHC(%q) accepted a %d-byte salt and a %d-byte key", s, len(salt), len(key))
		}
		// What was accepted, written out again, reads back the same.
		b64 := base64.RawStdEncoding
		again := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
		p2, salt2, key2, err := parsePHC(again)
		if err != nil || p2 != p || string(salt2) != string(salt) || string(key2) != string(key) {
			t.Fatalf("parsePHC(%q) = %+v; rewritten as %q it reads %+v, %v", s, p, again, p2, err)
		}
		// Cheap parameters are verified for real: argon2 must not panic on
		// anything parsePHC lets through.
		if p.Memory <= 256 && p.Time <= 2 && p.Threads <= 4 && len(key) <= 64 {
			h := newHasher(DefaultHashParams, 1)
			if err := h.verify(t.Context(), s, "plum blossoms in february"); err != nil && !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("verify(%q) = %v", s, err)
			}
		}
	})
}
