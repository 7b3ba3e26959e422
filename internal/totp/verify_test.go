package totp

import (
	"strings"
	"testing"
	"time"
)

// verifyAt is a fixed time well inside a step, so that ±30 s moves exactly one
// step either way.
var verifyAt = time.Unix(1_800_000_015, 0)

func TestVerifyDrift(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"two steps behind", -2 * Period, false},
		{"one step behind", -Period, true},
		{"current step", 0, true},
		{"one step ahead", Period, true},
		{"two steps ahead", 2 * Period, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codeAt := verifyAt.Add(tt.offset)
			step, ok := Verify(rfcSecret, Code(rfcSecret, codeAt), verifyAt, 0)
			if ok != tt.ok {
				t.Fatalf("Verify ok = %v, want %v", ok, tt.ok)
			}
			if ok && step != Step(codeAt) {
				t.Errorf("Verify step = %d, want %d", step, Step(codeAt))
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	code := Code(rfcSecret, verifyAt)
	step, ok := Verify(rfcSecret, code, verifyAt, 0)
	if !ok {
		t.Fatal("first use refused")
	}
	if _, ok := Verify(rfcSecret, code, verifyAt, step); ok {
		t.Error("same code accepted twice")
	}
	if _, ok := Verify(rfcSecret, code, verifyAt.Add(Period), step); ok {
		t.Error("same code accepted again in the next step")
	}
	earlier := Code(rfcSecret, verifyAt.Add(-Period))
	if _, ok := Verify(rfcSecret, earlier, verifyAt, step); ok {
		t.Error("code of an earlier step accepted after a later one was used")
	}
	later := verifyAt.Add(Period)
	if got, ok := Verify(rfcSecret, Code(rfcSecret, later), later, step); !ok || got != step+1 {
		t.Errorf("next step's code: Verify = %d, %v, want %d, true", got, ok, step+1)
	}
}

// TestVerifyCollidingSteps uses the RFC secret at counters 0xde591 and
// 0xde592, which share the code 911617, to check that the later step is
// returned, so that storing it blocks the code for both steps.
func TestVerifyCollidingSteps(t *testing.T) {
	const first = 0xde591
	if a, b := hotp(rfcSecret, first, Digits), hotp(rfcSecret, first+1, Digits); a != b {
		t.Fatalf("counters %#x and %#x give %q and %q, want equal codes", first, first+1, a, b)
	}
	at := time.Unix((first+1)*30, 0)
	step, ok := Verify(rfcSecret, hotp(rfcSecret, first, Digits), at, 0)
	if !ok || step != first+1 {
		t.Errorf("Verify = %d, %v, want %d, true", step, ok, first+1)
	}
}

func TestVerifyCodeForms(t *testing.T) {
	code := Code(rfcSecret, verifyAt)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", code, true},
		{"space in the middle", code[:3] + " " + code[3:], true},
		{"surrounding spaces", "  " + code + " ", true},
		{"empty", "", false},
		{"five digits", code[:5], false},
		{"seven digits", code + "0", false},
		{"letter", code[:5] + "a", false},
		{"hyphen", code[:3] + "-" + code[3:], false},
		{"tab", code[:3] + "\t" + code[3:], false},
		{"plus sign", "+" + code, false},
		{"full-width digits", toFullWidth(code), false},
		{"too long with spaces", strings.Repeat(" ", maxCodeInput) + code, false},
		{"wrong code", wrongCode(code), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := Verify(rfcSecret, tt.in, verifyAt, 0); ok != tt.ok {
				t.Errorf("Verify(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			}
		})
	}
}

func TestVerifyEmptySecret(t *testing.T) {
	if _, ok := Verify(nil, Code(nil, verifyAt), verifyAt, 0); ok {
		t.Error("code accepted for an empty secret")
	}
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune { return r - '0' + '０' }, s)
}

// wrongCode returns a six-digit code that differs from code in every digit.
func wrongCode(code string) string {
	return strings.Map(func(r rune) rune { return '0' + (r-'0'+5)%10 }, code)
}

// FuzzVerify checks that Verify's parsing of typed codes never panics, accepts
// exactly six ASCII digits with optional spaces, and only reports a match for
// the code of the step it returns.
func FuzzVerify(f *testing.F) {
	f.Fuzz(func(t *testing.T, code string) {
		digits, parsed := parseCode(code)
		stripped := strings.ReplaceAll(code, " ", "")
		want := len(code) <= maxCodeInput && len(stripped) == Digits &&
			strings.Trim(stripped, "0123456789") == ""
		if parsed != want {
			t.Fatalf("parseCode(%q) ok = %v, want %v", code, parsed, want)
		}
		if parsed && string(digits) != stripped {
			t.Fatalf("parseCode(%q) = %q, want %q", code, digits, stripped)
		}
		step, ok := Verify(rfcSecret, code, verifyAt, 0)
		if ok && (!parsed || hotp(rfcSecret, uint64(step), Digits) != stripped) {
			t.Fatalf("Verify(%q) matched step %d with a code that is not its own", code, step)
		}
		if ok && (step < Step(verifyAt)-1 || step > Step(verifyAt)+1) {
			t.Fatalf("Verify(%q) matched step %d outside the drift window", code, step)
		}
	})
}
