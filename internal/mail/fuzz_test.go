package mail

import (
	"net/mail"
	"strings"
	"testing"
)

// FuzzParsePlainAddress checks that an accepted address is exactly one
// plain ASCII address that cannot break a header, and that a refusal never
// repeats the input.
func FuzzParsePlainAddress(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parsePlainAddress(s)
		if err != nil {
			if strings.Contains(err.Error(), "@") {
				t.Fatalf("error %q repeats the input %q", err, s)
			}
			return
		}
		if a.Address != s || a.Name != "" {
			t.Fatalf("parsed %q as %+v", s, a)
		}
		if len(s) > maxAddressLen || strings.ContainsFunc(s, isControl) || strings.ContainsFunc(s, isNotASCII) {
			t.Fatalf("accepted %q", s)
		}
		written := a.String()
		if strings.ContainsAny(written, "\r\n") {
			t.Fatalf("%q is written as %q", s, written)
		}
		back, err := mail.ParseAddress(written)
		if err != nil || back.Address != s {
			t.Fatalf("%q written as %q reads back as %v, %v", s, written, back, err)
		}
	})
}
