package mail

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
)

// maxAddressLen is the longest forward path SMTP allows (RFC 5321 4.5.3.1.3).
const maxAddressLen = 254

// parsePlainAddress accepts a bare ASCII address such as "a@example.jp" and
// nothing else: no display name, no angle brackets, no comments, no line
// breaks. Its errors never repeat the input, which is personal data.
func parsePlainAddress(s string) (*mail.Address, error) {
	switch {
	case s == "":
		return nil, errors.New("address is empty")
	case len(s) > maxAddressLen:
		return nil, errors.New("address is longer than 254 bytes")
	case strings.ContainsFunc(s, isControl):
		return nil, errors.New("address contains control characters")
	case strings.ContainsFunc(s, isNotASCII):
		return nil, errors.New("address contains non-ASCII characters (use the punycode form of the domain)")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		// err repeats parts of s, so it is dropped rather than wrapped.
		return nil, errors.New("address is not a valid e-mail address")
	}
	if a.Name != "" || a.Address != s {
		return nil, errors.New("address must be a plain address, without display name or angle brackets")
	}
	return a, nil
}

// isControl reports characters that must never reach a header: line
// breaks of any kind and other control characters.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

func isNotASCII(r rune) bool { return r > unicode.MaxASCII }
