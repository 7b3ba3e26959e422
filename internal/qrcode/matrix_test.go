package qrcode

import (
	"strings"
	"testing"
)

// keyURI is a key URI as an authenticator app receives it for a 160-bit
// secret; its 124 bytes need version 8 at level M, which, like every version
// from 7 on, also carries version information blocks.
const keyURI = "otpauth://totp/Noren:owner@example.jp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Noren&algorithm=SHA1&digits=6&period=30"

// TestVersionSizes checks that text gets the smallest version whose level M
// capacity (ISO/IEC 18004 table 7) holds it, and so the expected size.
func TestVersionSizes(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		version int
	}{
		{"alphanumeric", "HELLO WORLD", 1},
		{"numeric, version 1 limit", strings.Repeat("7", 34), 1},
		{"numeric, one over", strings.Repeat("7", 35), 2},
		{"bytes, version 1 limit", strings.Repeat("a", 14), 1},
		{"bytes, one over", strings.Repeat("a", 15), 2},
		{"bytes, version 6 limit", strings.Repeat("a", 106), 6},
		{"bytes, one over version 6", strings.Repeat("a", 107), 7},
		{"bytes, version 7 limit", strings.Repeat("a", 122), 7},
		{"key URI", keyURI, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if want := 17 + 4*tt.version + 2*quietZone; m.size != want {
				t.Errorf("size %d, want %d (version %d with quiet zone)", m.size, want, tt.version)
			}
		})
	}
}

// TestStructure checks the function patterns that let a scanner find and
// orient the symbol: finder patterns with their light separators in three
// corners and none in the fourth, and the two timing patterns.
func TestStructure(t *testing.T) {
	for _, text := range []string{"HELLO WORLD", keyURI, strings.Repeat("a", 300)} {
		m, err := encode(text)
		if err != nil {
			t.Fatal(err)
		}
		symbol := m.size - 2*quietZone
		far := quietZone + symbol - 7
		for _, corner := range [][2]int{{quietZone, quietZone}, {far, quietZone}, {quietZone, far}} {
			if !isFinder(m, corner[0], corner[1]) {
				t.Errorf("%d modules: no finder pattern at (%d,%d)", symbol, corner[0], corner[1])
			}
			if !separated(m, corner[0], corner[1]) {
				t.Errorf("%d modules: finder pattern at (%d,%d) has a dark module on its separator", symbol, corner[0], corner[1])
			}
		}
		if isFinder(m, far, far) {
			t.Errorf("%d modules: finder pattern in the bottom-right corner; the symbol is mirrored", symbol)
		}
		for i := 8; i < symbol-8; i++ {
			want := i%2 == 0
			if got := m.isDark(quietZone+i, quietZone+6); got != want {
				t.Errorf("%d modules: horizontal timing module %d is dark=%v, want %v", symbol, i, got, want)
			}
			if got := m.isDark(quietZone+6, quietZone+i); got != want {
				t.Errorf("%d modules: vertical timing module %d is dark=%v, want %v", symbol, i, got, want)
			}
		}
	}
}

// isFinder reports whether the 7×7 modules from (x0,y0) form a finder
// pattern: a dark ring, a light ring and a dark 3×3 centre.
func isFinder(m *matrix, x0, y0 int) bool {
	for dy := range 7 {
		for dx := range 7 {
			ring := max(abs(dx-3), abs(dy-3))
			if m.isDark(x0+dx, y0+dy) != (ring != 2) {
				return false
			}
		}
	}
	return true
}

// separated reports whether the one-module ring around the 7×7 finder at
// (x0,y0) is light wherever it lies inside the symbol or quiet zone.
func separated(m *matrix, x0, y0 int) bool {
	for dy := -1; dy <= 7; dy++ {
		for dx := -1; dx <= 7; dx++ {
			if dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
				continue
			}
			if m.isDark(x0+dx, y0+dy) {
				return false
			}
		}
	}
	return true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestQuietZone(t *testing.T) {
	m, err := encode(keyURI)
	if err != nil {
		t.Fatal(err)
	}
	for y := range m.size {
		for x := range m.size {
			inside := x >= quietZone && x < m.size-quietZone && y >= quietZone && y < m.size-quietZone
			if !inside && m.isDark(x, y) {
				t.Fatalf("quiet zone module (%d,%d) is dark", x, y)
			}
		}
	}
}

func TestEncodeTooLong(t *testing.T) {
	// Version 40 at level M holds 2331 bytes.
	if _, err := encode(strings.Repeat("a", 2331)); err != nil {
		t.Errorf("2331 bytes refused: %v", err)
	}
	if _, err := encode(strings.Repeat("a", 2332)); err == nil {
		t.Error("2332 bytes encoded, more than version 40 at level M holds")
	}
}
