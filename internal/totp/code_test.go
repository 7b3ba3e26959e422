package totp

import (
	"strings"
	"testing"
	"time"
)

// rfcSecret is the shared secret of the RFC 4226 and RFC 6238 (SHA-1) test
// vectors.
var rfcSecret = []byte("12345678901234567890")

// TestHOTPVectors checks RFC 4226 Appendix D: the truncated 31-bit values and
// the six-digit HOTP values for counters 0 to 9.
func TestHOTPVectors(t *testing.T) {
	tests := []struct {
		counter   uint64
		truncated uint32
		code      string
	}{
		{0, 1284755224, "755224"},
		{1, 1094287082, "287082"},
		{2, 137359152, "359152"},
		{3, 1726969429, "969429"},
		{4, 1640338314, "338314"},
		{5, 868254676, "254676"},
		{6, 1918287922, "287922"},
		{7, 82162583, "162583"},
		{8, 673399871, "399871"},
		{9, 645520489, "520489"},
	}
	for _, tt := range tests {
		if got := truncate(rfcSecret, tt.counter); got != tt.truncated {
			t.Errorf("truncate(counter %d) = %d, want %d", tt.counter, got, tt.truncated)
		}
		if got := hotp(rfcSecret, tt.counter, 6); got != tt.code {
			t.Errorf("hotp(counter %d) = %q, want %q", tt.counter, got, tt.code)
		}
	}
}

// TestTOTPVectors checks the SHA-1 rows of RFC 6238 Appendix B: the
// eight-digit values directly, and Code as their last six digits.
func TestTOTPVectors(t *testing.T) {
	tests := []struct {
		unix  int64
		step  int64
		code8 string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	}
	for _, tt := range tests {
		at := time.Unix(tt.unix, 0)
		if got := Step(at); got != tt.step {
			t.Errorf("Step(%d) = %#x, want %#x", tt.unix, got, tt.step)
		}
		if got := hotp(rfcSecret, uint64(Step(at)), 8); got != tt.code8 {
			t.Errorf("8-digit code at %d = %q, want %q", tt.unix, got, tt.code8)
		}
		if got, want := Code(rfcSecret, at), tt.code8[2:]; got != want {
			t.Errorf("Code at %d = %q, want %q", tt.unix, got, want)
		}
	}
}

func TestStepBoundaries(t *testing.T) {
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0},
		{29, 0},
		{30, 1},
		{59, 1},
		{60, 2},
	}
	for _, tt := range tests {
		if got := Step(time.Unix(tt.unix, 999_999_999)); got != tt.want {
			t.Errorf("Step(%d.999999999) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

// TestCodeIsSixDigits checks the zero padding over enough steps that codes
// below 100000 occur (about one step in ten).
func TestCodeIsSixDigits(t *testing.T) {
	padded := 0
	start := time.Unix(1_800_000_000, 0)
	for i := range 200 {
		code := Code(rfcSecret, start.Add(time.Duration(i)*Period))
		if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("Code = %q, want %d ASCII digits", code, Digits)
		}
		if code[0] == '0' {
			padded++
		}
	}
	if padded == 0 {
		t.Error("no zero-padded code in 200 steps; padding is not exercised")
	}
}

func BenchmarkCode(b *testing.B) {
	now := time.Unix(1_800_000_000, 0)
	for b.Loop() {
		Code(rfcSecret, now)
	}
}
