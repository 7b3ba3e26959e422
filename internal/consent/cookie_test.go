package consent_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
)

const validCookie = "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.advertising:0|analytics:1.google-analytics:1|youtube:0"

func TestParseCookie(t *testing.T) {
	tests := []struct {
		name  string
		value string
		ok    bool
	}{
		{"valid", validCookie, true},
		{"no decisions", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41..", true},
		{"entries in any order", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.analytics:1|advertising:0.", true},
		{"receipt with - and _", "1.-_CdEfGhIjKlMnOpQrStUg.0.0123456789ab.cd3eb11e9b41..", true},
		{"empty", "", false},
		{"six fields", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.", false},
		{"eight fields", validCookie + ".", false},
		{"other format", "2" + validCookie[1:], false},
		{"short receipt", "1.AbCdEfGhIjKlMnOpQrStU.1795944600.0123456789ab.cd3eb11e9b41..", false},
		{"receipt not base64url", "1.AbCdEfGhIjKlMnOpQrSt+g.1795944600.0123456789ab.cd3eb11e9b41..", false},
		{"receipt with a line break", "1.AbCdEfGhIjKlMnOpQrSt\ng.1795944600.0123456789ab.cd3eb11e9b41..", false},
		{"receipt with stray bits", "1.AbCdEfGhIjKlMnOpQrStUh.1795944600.0123456789ab.cd3eb11e9b41..", false},
		{"negative time", "1.AbCdEfGhIjKlMnOpQrStUg.-5.0123456789ab.cd3eb11e9b41..", false},
		{"leading zero", "1.AbCdEfGhIjKlMnOpQrStUg.01795944600.0123456789ab.cd3eb11e9b41..", false},
		{"huge time", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600000.0123456789ab.cd3eb11e9b41..", false},
		{"upper-case hex", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789AB.cd3eb11e9b41..", false},
		{"short version", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789a.cd3eb11e9b41..", false},
		{"bad policy", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b4g..", false},
		{"decision 2", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.analytics:2.", false},
		{"no decision", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.analytics.", false},
		{"empty entry", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.analytics:1|.", false},
		{"duplicate", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.analytics:1|analytics:0.", false},
		{"bad id", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41..Youtube:1", false},
		{"id starting with -", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41..-youtube:1", false},
		{"long id", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.." + strings.Repeat("a", 65) + ":1", false},
		{"too long", "1.AbCdEfGhIjKlMnOpQrStUg.1795944600.0123456789ab.cd3eb11e9b41.." + strings.Repeat("a:1|", 1100) + "a:1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := consent.ParseCookie(tt.value)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseCookie(%q) error = %v, want ok=%v", tt.value, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			again, err := consent.ParseCookie(c.CookieValue())
			if err != nil {
				t.Fatalf("re-parse %q: %v", c.CookieValue(), err)
			}
			if !sameChoice(c, again) {
				t.Errorf("round trip changed the choice: %+v, then %+v", c, again)
			}
		})
	}
}

func TestParseCookieFields(t *testing.T) {
	c, err := consent.ParseCookie(validCookie)
	if err != nil {
		t.Fatal(err)
	}
	want := consent.Choice{
		Receipt:    "AbCdEfGhIjKlMnOpQrStUg",
		Given:      time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
		Version:    "0123456789ab",
		Policy:     "cd3eb11e9b41",
		Categories: map[string]bool{"advertising": false, "analytics": true},
		Tools:      map[string]bool{"google-analytics": true, "youtube": false},
	}
	if !sameChoice(c, want) {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if got := c.CookieValue(); got != validCookie {
		t.Errorf("CookieValue = %q, want %q", got, validCookie)
	}
}

// TestCookieValueOctets checks that a cookie value needs no quoting: every
// byte is a cookie-octet, and '.' only separates fields.
func TestCookieValueOctets(t *testing.T) {
	c, err := consent.ParseCookie(validCookie)
	if err != nil {
		t.Fatal(err)
	}
	v := c.CookieValue()
	for i := range len(v) {
		b := v[i]
		if b <= 0x20 || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			t.Errorf("byte %q at %d is not a cookie-octet", b, i)
		}
	}
	if n := strings.Count(v, "."); n != 6 {
		t.Errorf("%d dots, want 6", n)
	}
}

func FuzzParseCookie(f *testing.F) {
	f.Add(validCookie)
	f.Fuzz(func(t *testing.T, value string) {
		c, err := consent.ParseCookie(value)
		if err != nil {
			return
		}
		v := c.CookieValue()
		again, err := consent.ParseCookie(v)
		if err != nil {
			t.Fatalf("ParseCookie(%q) accepted, but its CookieValue %q is refused: %v", value, v, err)
		}
		if !sameChoice(c, again) {
			t.Fatalf("round trip changed the choice: %+v, then %+v", c, again)
		}
		if again.CookieValue() != v {
			t.Fatalf("CookieValue is not stable: %q, then %q", v, again.CookieValue())
		}
	})
}

func sameChoice(a, b consent.Choice) bool {
	return a.Receipt == b.Receipt && a.Given.Equal(b.Given) && a.Version == b.Version && a.Policy == b.Policy &&
		maps.Equal(a.Categories, b.Categories) && maps.Equal(a.Tools, b.Tools)
}
