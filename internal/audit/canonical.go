package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"time"
)

// formatTag opens every canonical form, so that a later change of the form
// can be told apart from tampering.
const formatTag = "noren-audit-1"

// timeLayout is how an entry's time appears in its canonical form and in
// exports: UTC, exactly six fractional digits.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// zeroHash is the PrevHash of the first entry.
const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// canonical returns the bytes whose SHA-256 is e's hash, as the package
// documentation defines them.
func canonical(e Entry) []byte {
	head, tail := canonicalParts(e)
	out := make([]byte, 0, len(head)+len(tail)+20)
	out = append(out, head...)
	out = strconv.AppendInt(out, e.Seq, 10)
	return append(out, tail...)
}

// computeHash returns the hex SHA-256 of e's canonical form.
func computeHash(e Entry) string {
	sum := sha256.Sum256(canonical(e))
	return hex.EncodeToString(sum[:])
}

// canonicalParts splits the canonical form around the sequence number, so
// that Verify can try the same contents at other positions cheaply.
func canonicalParts(e Entry) (head, tail []byte) {
	head = append(head, '[')
	head = appendString(head, formatTag)
	head = append(head, ',')

	tail = append(tail, ',')
	tail = appendString(tail, e.At.UTC().Format(timeLayout))
	for _, s := range []string{e.Actor, e.Role, e.Action, e.Object, e.Purpose, string(e.Outcome), e.Address} {
		tail = append(tail, ',')
		tail = appendString(tail, s)
	}
	tail = append(tail, ',')
	tail = appendDetail(tail, e.Detail)
	tail = append(tail, ',')
	tail = appendString(tail, e.PrevHash)
	tail = append(tail, ']')
	return head, tail
}

// canonicalDetail returns d as the canonical JSON object, "{}" when empty.
func canonicalDetail(d map[string]string) string {
	return string(appendDetail(nil, d))
}

// appendDetail writes d as a JSON object with its keys in ascending order.
// Keys are ASCII (Append checks), so byte order is also the UTF-16 order
// RFC 8785 asks for.
func appendDetail(b []byte, d map[string]string) []byte {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, d[k])
	}
	return append(b, '}')
}

// appendString writes s as a JSON string the way RFC 8785 (and ECMAScript's
// JSON.stringify) does: only '"', '\\' and the control characters below
// U+0020 are escaped, with the short forms where JSON has them and \u00xx
// in lower-case hex otherwise; everything else is written as UTF-8.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return append(b, '"')
}

// formatTime writes t as timeLayout does.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a time written with timeLayout, refusing any other
// spelling of the same instant so that every byte of a stored time counts.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(timeLayout, s)
	if err != nil || t.Format(timeLayout) != s {
		return time.Time{}, false
	}
	return t, true
}
