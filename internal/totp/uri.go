package totp

import (
	"strconv"
	"strings"
)

// URI returns the otpauth:// key URI that authenticator apps read from a QR
// code, in the Google Authenticator key URI format: the label is
// "issuer:account", and the parameters carry the secret, the issuer and the
// fixed algorithm, digit count and period. An empty issuer is left out.
func URI(issuer, account string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escape(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(Digits))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(periodSeconds, 10))
	return b.String()
}

// escape percent-encodes every byte except RFC 3986 unreserved characters
// and '@'. This is stricter than url.PathEscape or url.QueryEscape on purpose:
// ':' must be escaped inside the issuer and account because it separates
// them in the label, spaces must be %20 (apps do not agree on '+'), and '+'
// must be %2B so that an e-mail address like a+b@example.com survives apps
// that decode '+' as a space.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '@' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}
